"""A kill part-way through a checkpoint write loses nothing complete."""
import os
import shutil

from mmengine.logging import MMLogger
from mmengine.runner.checkpoint import _load_checkpoint

from .conftest import assert_same_weights, derived_config, final_metrics

KILL_CONFIG = "custom_imports = dict(imports=['mmpretrain_mlr', " \
    "'tests.reliability.kill_during_write'], allow_failed_imports=False)"


def test_kill_during_checkpoint_rewrite_then_resume(rel_config, uninterrupted,
                                                    run_tool, tmp_path):
    # Writes after epoch 1: epoch_1.pth, best_*_epoch_1.pth, then epoch_1.pth
    # again (mmengine stores the new best in it). Kill during that rewrite.
    config = derived_config(rel_config, tmp_path, KILL_CONFIG)
    work_dir = tmp_path / 'work'
    proc = run_tool('tools/train.py', config, '--work-dir', work_dir,
                    env=dict(MLR_KILL_ON_WRITE='3'), check=False)
    assert proc.returncode == -9, proc.stderr[-2000:]

    # Every complete checkpoint still loads; the partial write has no
    # checkpoint's name.
    names = sorted(os.listdir(work_dir))
    partial = [n for n in names if n.endswith('.tmp')]
    assert len(partial) == 1 and partial[0].startswith('.epoch_1.pth.')
    assert _load_checkpoint(str(work_dir / 'epoch_1.pth'))['meta']['epoch'] \
        == 1
    assert (work_dir / 'last_checkpoint').read_text().endswith('epoch_1.pth')

    proc = run_tool('tools/train.py', rel_config, '--work-dir', work_dir,
                    '--resume')
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 1, iter: 4' in log
    assert 'Removing' in log and partial[0] in log
    assert not [n for n in os.listdir(work_dir) if n.endswith('.tmp')]
    assert final_metrics(work_dir) == final_metrics(uninterrupted)
    assert_same_weights(work_dir / 'epoch_3.pth',
                        uninterrupted / 'epoch_3.pth')


def test_auto_resume_skips_an_unreadable_newest_checkpoint(
        rel_config, uninterrupted, load_tool, tmp_path, capsys):
    for name in ('epoch_1.pth', 'epoch_2.pth'):
        shutil.copy(uninterrupted / name, tmp_path / name)
    data = (tmp_path / 'epoch_2.pth').read_bytes()
    (tmp_path / 'epoch_2.pth').write_bytes(data[:len(data) // 2])
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_2.pth'))
    train = load_tool('train')
    # A fresh current logger, writing to this test's captured stdout.
    MMLogger.get_instance(f'skip_test_{id(tmp_path)}')

    parser, args = train.parse_args(
        [str(rel_config), '--work-dir', str(tmp_path), '--resume'])
    cfg = train.load_config(parser, args)
    train.merge_args(parser, cfg, args)
    assert cfg.load_from == str(tmp_path / 'epoch_1.pth')
    assert 'Skipping unreadable checkpoint' in capsys.readouterr().out

    # Named explicitly, the truncated file is an error naming the older one.
    parser, args = train.parse_args([
        str(rel_config), '--work-dir', str(tmp_path), '--resume',
        str(tmp_path / 'epoch_2.pth')
    ])
    cfg = train.load_config(parser, args)
    try:
        train.merge_args(parser, cfg, args)
    except SystemExit as exit_:
        assert exit_.code == 2
    err = capsys.readouterr().err
    assert f"'{tmp_path / 'epoch_2.pth'}' is unreadable" in err
    assert f"'{tmp_path / 'epoch_1.pth'}'" in err


def test_kill_between_last_checkpoint_and_its_validation(
        rel_config, uninterrupted, run_tool, tmp_path):
    # Killed as the pointer to epoch_3.pth is written: the final checkpoint
    # is complete, its validation (the final metrics) never ran.
    config = derived_config(rel_config, tmp_path, KILL_CONFIG)
    work_dir = tmp_path / 'work'
    proc = run_tool('tools/train.py', config, '--work-dir', work_dir,
                    env=dict(MLR_KILL_ON_WRITE='pointer-to:epoch_3.pth'),
                    check=False)
    assert proc.returncode == -9, proc.stderr[-2000:]
    assert 'Epoch(val) [3]' not in proc.stdout

    proc = run_tool('tools/train.py', rel_config, '--work-dir', work_dir,
                    '--resume')
    log = proc.stdout + proc.stderr
    assert 'resumed epoch: 3, iter: 12' in log
    assert "written before that epoch's validation; validating it now" in log
    assert final_metrics(work_dir) == final_metrics(uninterrupted)
