"""The TRM-ML shapes demo through the stock tools, small: pseudo-labels and
their precision reach scalars.json, a run resumed after its first
checkpoint ends where the uninterrupted one does (metrics and prototypes),
tools/test.py reproduces the last validation figure, and a 2-process
dist_train.sh run keeps the prototypes checked across processes while
reading a feature cache both processes filled.

A random tiny CLIP stands in for the shapes CLIP (nothing to build)."""
import json
import os
import os.path as osp

import pytest
import torch
from mmengine.runner.checkpoint import _load_checkpoint

import mmpretrain_mlr  # noqa: F401  weights-only loader for _load_checkpoint

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = 'configs/demo/trm_ml_shapes.py'
METRIC = 'multi-label/mAP'


def options(max_epochs):
    return [
        '--cfg-options', 'model.clip.pretrained=None',
        'train_dataloader.dataset.num_images=64',
        'val_dataloader.dataset.num_images=32',
        'test_dataloader.dataset.num_images=32',
        'train_dataloader.batch_size=16', f'train_cfg.max_epochs={max_epochs}',
        'param_scheduler.1.end=3', 'default_hooks.logger.interval=1',
        # pseudo-labels from the second epoch, loose enough for a few steps
        'model.head.pseudo_positive_thr=0.6',
        'model.head.pseudo_negative_thr=0.4'
    ]


def records(work_dir):
    out = []
    for path in sorted(work_dir.glob('*/vis_data/scalars.json')):
        out += [json.loads(line) for line in path.read_text().splitlines()]
    return out


def head_state(path):
    state = _load_checkpoint(str(path))['state_dict']
    return {k: v for k, v in state.items() if k.startswith('head.')}


@pytest.fixture(scope='module')
def uninterrupted(tmp_path_factory, run_tool):
    work_dir = tmp_path_factory.mktemp('trm_full')
    run_tool('tools/train.py', DEMO, '--work-dir', work_dir, *options(3))
    return work_dir


def test_pseudo_label_figures_reach_scalars_json(uninterrupted):
    rows = records(uninterrupted)
    summaries = [r for r in rows if 'train/pseudo_pos' in r]
    assert [r['step'] for r in summaries] == [1, 2, 3]
    assert summaries[0]['train/pseudo_pos'] == 0  # warm-up epoch
    later = summaries[1:]
    drawn = sum(r['train/pseudo_pos'] + r['train/pseudo_neg'] for r in later)
    assert drawn > 0
    for r in later:
        for kind in ('pos', 'neg'):
            if r[f'train/pseudo_{kind}'] > 0:
                assert 0 <= r[f'train/pseudo_{kind}_precision'] <= 100
    # the figures are columns of the validation rows (analyze_logs reads
    # every record as a train or a validation row)
    assert all(METRIC in r for r in summaries)
    assert 0.4 < summaries[0]['train/known_share'] < 0.6  # p = 0.5


def test_resume_after_the_first_checkpoint_ends_identically(
        uninterrupted, tmp_path, run_tool):
    run_tool('tools/train.py', DEMO, '--work-dir', tmp_path, *options(1))
    run_tool('tools/train.py', DEMO, '--work-dir', tmp_path, '--resume',
             *options(3))
    full = [r[METRIC] for r in records(uninterrupted) if METRIC in r]
    resumed = [r[METRIC] for r in records(tmp_path) if METRIC in r]
    assert resumed[-1] == full[-1]
    a = head_state(uninterrupted / 'epoch_3.pth')
    b = head_state(tmp_path / 'epoch_3.pth')
    assert a.keys() == b.keys() and 'head.prototypes.visual' in a
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_test_tool_reproduces_the_last_validation(uninterrupted, tmp_path,
                                                  run_tool):
    proc = run_tool('tools/test.py', DEMO, uninterrupted / 'epoch_3.pth',
                    '--work-dir', tmp_path, *options(3))
    last = [r[METRIC] for r in records(uninterrupted) if METRIC in r][-1]
    assert f'{METRIC}: {last:.4f}' in proc.stdout + proc.stderr


CACHED = """
_base_ = [{demo!r}]
custom_hooks = [dict(type='SetEpochHook'),
                dict(type='FeatureCacheHook', mode='augmented', num_views=2,
                     cache_dir={cache!r})]
"""


def test_two_processes_with_the_prototype_check_from_a_feature_cache(
        tmp_path, run_tool, free_port):
    """dist_train.sh, 2 processes: the prototypes are checked across them,
    and both fill one feature cache (each its share of every view) before
    training reads it."""
    config = tmp_path / 'trm_ml_cached.py'
    cache = tmp_path / 'cache'
    config.write_text(CACHED.format(demo=osp.join(REPO, DEMO),
                                    cache=str(cache)))
    work_dir = tmp_path / 'work'
    proc = run_tool('tools/dist_train.sh', config, 2, '--work-dir', work_dir,
                    *options(2), env=dict(PORT=str(free_port)))
    log = proc.stdout + proc.stderr
    assert 'Distributed training: True' in log
    assert 'Epoch 2 summary' in log
    state = head_state(work_dir / 'epoch_2.pth')
    assert bool(state['head.prototypes.has_prototype'].any())
    # two training views and the validation set, each in two parts
    stores = sorted(os.listdir(cache))
    assert len(stores) == 3
    for store in stores:
        assert sorted(os.listdir(cache / store)) == [
            'manifest.json', 'part-0-of-2.npy', 'part-1-of-2.npy']
