"""A tiny training run whose augmentation draws random numbers.

LeNet5 on 16 generated 32x32 grey images (left half brighter, so a
horizontal flip changes the input), ``RandomFlip`` drawing from numpy's
global generator as mmpretrain's transforms do, 3 epochs of 4 iterations,
a checkpoint every epoch and the best one by accuracy.
"""
import importlib.util
import json
import os.path as osp
import sys

import pytest
import torch
from mmengine.runner.checkpoint import _load_checkpoint

import mmpretrain_mlr  # noqa: F401  weights-only loader
from tests.conftest import write_tiny_images

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

CONFIG = '''
default_scope = 'mmpretrain'
custom_imports = dict(imports=['mmpretrain_mlr'], allow_failed_imports=False)
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        num_classes=2, mean=[127.5], std=[127.5], to_rgb=False),
    backbone=dict(type='LeNet5'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=2, in_channels=120,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))
_load = dict(type='LoadImageFromFile', color_type='grayscale')
train_dataloader = dict(
    batch_size=4, num_workers=0, persistent_workers=False,
    dataset=dict(type='CustomDataset', data_root={data_root!r},
                 pipeline=[_load, dict(type='RandomFlip', prob=0.5,
                                       direction='horizontal'),
                           dict(type='PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=8, num_workers=0,
    dataset=dict(type='CustomDataset', data_root={data_root!r},
                 pipeline=[_load, dict(type='PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = [dict(type='Accuracy', topk=(1, )),
                 dict(type='AveragePrecision')]
test_evaluator = val_evaluator
train_cfg = dict(by_epoch=True, max_epochs=3, val_interval=1)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[2])
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1,
                    save_best='multi-label/mAP', rule='greater'),
    logger=dict(type='LoggerHook', interval=1))
log_processor = dict(window_size=1)
randomness = dict(seed=0)
'''


@pytest.fixture(scope='session')
def rel_config(tmp_path_factory):
    """Path of the tiny config with random augmentation."""
    root = tmp_path_factory.mktemp('reliability')
    write_tiny_images(root / 'data', left_half_offset=25)
    path = root / 'tiny_flip.py'
    path.write_text(CONFIG.format(data_root=str(root / 'data')))
    return path


def derived_config(base, folder, text):
    """Write a config inheriting ``base`` with ``text`` added; its path."""
    path = folder / f'derived_{abs(hash(text)) % 10**8}.py'
    path.write_text(f'_base_ = {str(base)!r}\n{text}\n')
    return path


METRICS = ('accuracy/top1', 'multi-label/mAP', 'step')


def final_metrics(work_dir):
    """The metrics of the last validation of the last run in ``work_dir``."""
    runs = sorted(work_dir.glob('*/vis_data/scalars.json'))
    records = [json.loads(line) for line in runs[-1].read_text().splitlines()]
    last = [r for r in records if 'multi-label/mAP' in r][-1]
    return {key: last[key] for key in METRICS}


def weights(path):
    """The state dict of a checkpoint."""
    return _load_checkpoint(str(path))['state_dict']


def assert_same_weights(path_a, path_b):
    a, b = weights(path_a), weights(path_b)
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


@pytest.fixture(scope='session')
def uninterrupted(rel_config, run_tool, tmp_path_factory):
    """Work directory of one full run of ``rel_config``."""
    work_dir = tmp_path_factory.mktemp('uninterrupted')
    run_tool('tools/train.py', rel_config, '--work-dir', work_dir)
    return work_dir


@pytest.fixture
def load_tool(monkeypatch):
    """Import a tools/ script as a module, undoing its sys.path change."""
    monkeypatch.setattr(sys, 'path', list(sys.path))

    def load(name):
        spec = importlib.util.spec_from_file_location(
            f'_tool_{name}', osp.join(REPO_ROOT, 'tools', f'{name}.py'))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    yield load
    sys.modules.pop('train', None)  # tools/test.py imports it as `train`
