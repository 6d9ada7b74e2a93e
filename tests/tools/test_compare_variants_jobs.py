"""compare_variants.py --jobs and --extra-metrics: runs trained several at
a time keep the table's order and its figures, each run gets its share of
the cores, a shared feature cache is filled by one run (on all the cores)
before the others start, the first failure ends the sweep, and extra
metrics are reported at the last epoch."""
import os.path as osp
import threading
import time

import pytest

TOOL = 'compare_variants'  # the `script` fixture (conftest.py)


@pytest.fixture
def demo(script):
    return osp.join(script.REPO_ROOT, 'configs', 'demo', 'dualcoop_shapes.py')


def test_parallel_runs_keep_the_order_and_the_figures(script, demo, tmp_path,
                                                      monkeypatch):
    events, lock = [], threading.Lock()
    running, most_at_once = [0], [0]

    def fake_train(name, cfg, run_dir, metric, test, extra_metrics, env):
        seed = cfg.randomness.seed
        p = cfg.train_dataloader.dataset.label_protocol.p
        with lock:
            running[0] += 1
            most_at_once[0] = max(most_at_once[0], running[0])
            events.append(('start', name, env))
        time.sleep(0.05 * (3 - seed))  # later seeds end first
        with lock:
            running[0] -= 1
            events.append(('end', name, env))
        return dict(variant=name, best=10 * p + seed, best_epoch=1,
                    last=10 * p, seconds=1.0)

    monkeypatch.setattr(script, 'train_variant', fake_train)
    monkeypatch.setattr(script, 'threads_per_run', lambda jobs: 7)
    cache = dict(mode='test', num_views=1, cache_dir=str(tmp_path))
    rows = script.compare(demo, {'A': {}}, str(tmp_path), [0.1, 0.5], None,
                          False, seeds=[0, 1, 2], feature_cache=cache,
                          jobs=3)
    # the first run (it fills the cache) ends before any other starts, and
    # runs alone on every core (its environment as it is)
    assert events[:2] == [('start', 'A, p = 0.1, seed 0', None),
                          ('end', 'A, p = 0.1, seed 0', None)]
    assert most_at_once[0] == 3
    assert all(env == {'OMP_NUM_THREADS': '7', 'MKL_NUM_THREADS': '7'}
               for _, _, env in events[2:])
    # the same rows as one run at a time (per seed s: best = 10 p + s)
    assert [r['variant'] for r in rows] == ['A, p = 0.1', 'A, p = 0.5',
                                            'A, average']
    assert rows[0]['best'] == pytest.approx(2.0)  # mean of 1, 2, 3
    assert rows[1]['best'] == pytest.approx(6.0)
    assert rows[-1]['best'] == pytest.approx(4.0)
    assert rows[-1]['best_std'] == pytest.approx(1.0)


def test_one_job_runs_in_order_with_the_environment_as_it_is(
        script, demo, tmp_path, monkeypatch):
    seen = []

    def fake_train(name, cfg, run_dir, metric, test, extra_metrics, env):
        seen.append((name, env))
        return dict(variant=name, best=1.0, best_epoch=1, last=1.0,
                    seconds=1.0)

    monkeypatch.setattr(script, 'train_variant', fake_train)
    script.compare(demo, {'A': {}, 'B': {}}, str(tmp_path), None, None,
                   False, seeds=[0, 1])
    assert seen == [('A, seed 0', None), ('A, seed 1', None),
                    ('B, seed 0', None), ('B, seed 1', None)]


def test_the_first_failure_ends_the_sweep(script, demo, tmp_path,
                                          monkeypatch):
    started = []

    def fake_train(name, cfg, run_dir, metric, test, extra_metrics, env):
        started.append(name)
        if name == 'A, seed 0':
            raise RuntimeError('tools/train.py failed')
        time.sleep(0.2)
        return dict(variant=name, best=1.0, best_epoch=1, last=1.0,
                    seconds=1.0)

    monkeypatch.setattr(script, 'train_variant', fake_train)
    with pytest.raises(RuntimeError, match='train.py failed'):
        script.compare(demo, {'A': {}, 'B': {}, 'C': {}}, str(tmp_path),
                       None, None, False, seeds=[0, 1, 2], jobs=2)
    assert len(started) < 9  # the queued runs were cancelled


def test_threads_per_run_share_the_cores(script, monkeypatch):
    monkeypatch.setattr(script.os, 'sched_getaffinity',
                        lambda pid: {0, 1, 2, 3, 4}, raising=False)
    assert [script.threads_per_run(j) for j in (1, 2, 3, 8)] == [5, 2, 1, 1]


def test_a_run_gets_the_environment_it_is_given(script, tmp_path):
    """Both launchers: a fresh interpreter and the preloaded server."""
    probe = tmp_path / 'probe.py'
    probe.write_text('import os, torch\n'
                     'print("threads", os.environ["OMP_NUM_THREADS"], '
                     'torch.get_num_threads())\n')
    from mmpretrain_mlr.utils.preloaded_python import PreloadedPython
    env = {'OMP_NUM_THREADS': '1'}
    try:
        for launcher in (None, PreloadedPython(preload=('torch', ))):
            script.LAUNCHER['preloaded'] = launcher
            output = script.run([str(probe)], str(tmp_path / 'log'), env)
            assert 'threads 1 1' in output, launcher
    finally:
        script.LAUNCHER['preloaded'] = None


def test_extra_metrics_are_reported_at_the_last_epoch(script):
    records = [{'step': 1, 'zsl/mAP': 13.0, 'gzsl/mAP': 18.0},
               {'step': 2, 'zsl/mAP': 12.0, 'gzsl/mAP': 19.5}]
    row = script.summarise_run(records, 'zsl/mAP', ['gzsl/mAP'])
    assert row == {'best': 13.0, 'best_epoch': 1, 'last': 12.0,
                   'last gzsl/mAP': 19.5}
    with pytest.raises(RuntimeError, match="no 'gzsl/F1@3'"):
        script.summarise_run(records, 'zsl/mAP', ['gzsl/F1@3'])
    other = dict(row, **{'last gzsl/mAP': 20.5, 'best': 15.0})
    summary = script.seed_row([row, other], 'SigRL')
    assert summary['last gzsl/mAP'] == pytest.approx(20.0)
    assert summary['last gzsl/mAP_std'] == pytest.approx(0.5 ** 0.5)
    lines = script.format_table([summary]).splitlines()
    assert lines[0] == ('| variant | val, best (epoch) | val, last | '
                        'gzsl/mAP, last |')
    assert lines[2] == '| SigRL | 14.00 ± 1.41 | 12.00 ± 0.00 | 20.00 ± 0.71 |'
    average = script.average_row([row, other], 'SigRL, average')
    assert average['last gzsl/mAP'] == pytest.approx(20.0)
