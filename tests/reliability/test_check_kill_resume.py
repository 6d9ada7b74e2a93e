"""check_kill_resume.py: a kill that lands after the run's last checkpoint
tests nothing; it is reported and not counted, and a check in which every
kill landed that late fails instead of passing vacuously."""
import subprocess
import sys

import pytest
import torch


@pytest.fixture
def tool(load_tool):
    return load_tool('analysis_tools/check_kill_resume')


def write_checkpoint(path):
    torch.save(dict(state_dict=dict(w=torch.zeros(2))), path)


def test_final_checkpoint_present_means_killed_late(tool, tmp_path):
    write_checkpoint(tmp_path / 'epoch_1.pth')
    assert not tool.killed_after_last_checkpoint(str(tmp_path), 'epoch_2.pth')
    (tmp_path / 'epoch_2.pth.tmp').write_bytes(b'PK\x03\x04 partial')
    assert not tool.killed_after_last_checkpoint(str(tmp_path), 'epoch_2.pth')
    (tmp_path / 'epoch_2.pth').write_bytes(b'PK\x03\x04 cut short')
    assert not tool.killed_after_last_checkpoint(str(tmp_path), 'epoch_2.pth')
    write_checkpoint(tmp_path / 'epoch_2.pth')
    assert tool.killed_after_last_checkpoint(str(tmp_path), 'epoch_2.pth')


@pytest.mark.parametrize('outcomes, counted_ok, counted, late, status', [
    (['identical'] * 3, 3, 3, 0, 0),
    (['identical', 'late', 'identical'], 2, 2, 1, 0),
    (['identical', 'DIFFERENT', 'late'], 1, 2, 1, 1),
    (['late', 'late'], 0, 0, 2, 1),
])
def test_summary_counts_only_kills_before_the_last_checkpoint(
        tool, outcomes, counted_ok, counted, late, status):
    line, code = tool.summary(outcomes)
    assert line.startswith(f'{counted_ok} of {counted} killed runs')
    assert (f'{late} kill(s) landed after the last checkpoint' in line) == \
        bool(late)
    assert ('nothing was checked' in line) == (counted == 0)
    assert code == status


def test_every_kill_after_the_last_checkpoint_fails_the_check(
        tool, tmp_path, monkeypatch, capsys):
    # Each "run" has written all its checkpoints before it is killed (a
    # machine faster than the drawn kill moments).
    def start_training(config, work_dir, options, log_path, resume=False):
        import os
        os.makedirs(work_dir, exist_ok=True)
        for epoch in (1, 2):
            write_checkpoint(f'{work_dir}/epoch_{epoch}.pth')
        with open(f'{work_dir}/last_checkpoint', 'w') as f:
            f.write(f'{work_dir}/epoch_2.pth')
        assert not resume, 'a late kill must not be resumed'
        command = [sys.executable, '-c', 'import time; time.sleep(60)']
        if 'uninterrupted' in work_dir:
            command = [sys.executable, '-c', 'pass']
        return subprocess.Popen(command, start_new_session=True)

    monkeypatch.setattr(tool, 'start_training', start_training)
    monkeypatch.setattr(tool, 'final_metrics', lambda work_dir: {'mAP': 1})
    with pytest.raises(SystemExit) as exit_:
        tool.main(['--runs', '2', '--work-dir', str(tmp_path)])
    assert exit_.value.code == 1
    out = capsys.readouterr().out
    assert out.count('after the last one (epoch_2.pth) was written') == 2
    assert '0 of 0 killed runs resumed' in out
    assert '2 kill(s) landed after the last checkpoint' in out
    assert 'nothing was checked' in out
