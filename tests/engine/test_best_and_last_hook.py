"""BestAndLastHook in a tiny CPU Runner: per-epoch log, summary, resume."""
import json
import os.path as osp
import uuid

import pytest
import torch
import torch.nn as nn
from mmengine.evaluator import BaseMetric, Evaluator
from mmengine.logging import MessageHub
from mmengine.model import BaseModel
from mmengine.runner import CheckpointLoader, Runner
from torch.utils.data import Dataset

from mmpretrain_mlr.engine.hooks import BestAndLastHook


class ToyDataset(Dataset):

    def __len__(self):
        return 4

    def __getitem__(self, index):
        return dict(inputs=torch.full((2, ), float(index)))


class ToyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(2, 1)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        out = self.linear(torch.stack(inputs))
        if mode == 'loss':
            return dict(loss=out.pow(2).mean())
        return [dict(score=o) for o in out]


class ScriptedMetric(BaseMetric):
    """Returns ``values[e]`` after the (0-based) training epoch e."""
    default_prefix = 'multi-label'

    def __init__(self, values):
        super().__init__()
        self.values = values

    def process(self, data_batch, data_samples):
        self.results.extend(data_samples)

    def compute_metrics(self, results):
        epoch = MessageHub.get_current_instance().get_info('epoch')
        return dict(mAP=self.values[epoch], other=0.0)


def _runner(work_dir, max_epochs, values, resume_from=None, rule='greater'):
    loader = dict(
        dataset=ToyDataset(),
        sampler=dict(type='DefaultSampler', shuffle=False),
        batch_size=2,
        num_workers=0)
    return Runner(
        model=ToyModel(),
        work_dir=str(work_dir),
        experiment_name=f'best_and_last_{uuid.uuid4().hex}',
        train_dataloader=loader,
        val_dataloader=loader,
        val_evaluator=Evaluator([ScriptedMetric(values)]),
        train_cfg=dict(by_epoch=True, max_epochs=max_epochs, val_interval=1),
        val_cfg=dict(),
        optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.01)),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', interval=1),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[
            dict(type='BestAndLastHook', metric='mAP', rule=rule,
                 selection_split='test')
        ],
        default_scope='mmpretrain',
        resume=resume_from is not None,
        load_from=resume_from)


def _json_summary(runner):
    with open(osp.join(runner.log_dir, 'best_and_last.json')) as f:
        return json.load(f)


def _scalar_rows(runner):
    path = osp.join(runner.log_dir, 'vis_data', 'scalars.json')
    with open(path) as f:
        return [json.loads(line) for line in f]


def _log_text(runner):
    with open(osp.join(runner.log_dir, f'{runner.timestamp}.log')) as f:
        return f.read()


def test_summary_after_training(tmp_path):
    runner = _runner(tmp_path, 3, [0.5, 0.9, 0.7])
    runner.train()
    expected = {
        'best_and_last/metric': 'multi-label/mAP',
        'best_and_last/last': 0.7,
        'best_and_last/last_epoch': 3,
        'best_and_last/best': 0.9,
        'best_and_last/best_epoch': 2,
        'best_and_last/selection_split': 'test',
    }
    assert runner.message_hub.get_info('best_and_last') == expected
    assert _json_summary(runner) == expected
    # the best so far is a column of each validation row; no other rows
    val_rows = [r for r in _scalar_rows(runner) if 'lr' not in r]
    assert [(r['step'], r['multi-label/mAP'], r['best_and_last/best'],
             r['best_and_last/best_epoch']) for r in val_rows] == [
                 (1, 0.5, 0.5, 1), (2, 0.9, 0.9, 2), (3, 0.7, 0.9, 2)]
    log = _log_text(runner)
    assert ('multi-label/mAP: 0.7000 at epoch 3; best 0.9000 at epoch 2 '
            '(selected on test)') in log
    assert ('Summary of multi-label/mAP: last 0.7000 (epoch 3), best 0.9000 '
            '(epoch 2), best epoch selected on test') in log


def test_rule_less(tmp_path):
    runner = _runner(tmp_path, 2, [0.3, 0.6], rule='less')
    runner.train()
    summary = runner.message_hub.get_info('best_and_last')
    assert summary['best_and_last/best'] == 0.3
    assert summary['best_and_last/best_epoch'] == 1
    assert summary['best_and_last/last'] == 0.6


def test_state_survives_resume(tmp_path):
    # epoch 1 is the best; the resumed run only sees epochs 3 and 4, so it
    # can only know epoch 1 from the checkpoint. (epoch_2.pth is written
    # before epoch 2's validation, so it holds the state after epoch 1.)
    values = [0.95, 0.9, 0.7, 0.8]
    first = _runner(tmp_path / 'first', 2, values)
    first.train()
    ckpt = osp.join(first.work_dir, 'epoch_2.pth')
    meta = CheckpointLoader.load_checkpoint(
        ckpt, map_location='cpu')['meta']['best_and_last/mAP']
    assert meta['best'] == 0.95 and meta['best_epoch'] == 1

    resumed = _runner(tmp_path / 'resumed', 4, values, resume_from=ckpt)
    resumed.train()
    summary = resumed.message_hub.get_info('best_and_last')
    assert summary['best_and_last/best'] == 0.95
    assert summary['best_and_last/best_epoch'] == 1
    assert summary['best_and_last/last'] == 0.8
    assert summary['best_and_last/last_epoch'] == 4
    assert _json_summary(resumed)['best_and_last/best_epoch'] == 1


def test_metric_lookup_and_errors():
    hook = BestAndLastHook(metric='mAP')
    assert hook._find_metric({'multi-label/mAP': 1.0, 'x/CF1': 2.0}) == \
        'multi-label/mAP'
    assert BestAndLastHook(metric='x/mAP')._find_metric(
        {'x/mAP': 1.0, 'y/mAP': 2.0}) == 'x/mAP'
    with pytest.raises(KeyError, match='is ambiguous'):
        hook._find_metric({'x/mAP': 1.0, 'y/mAP': 2.0})
    with pytest.raises(KeyError, match="is missing in the validation"):
        hook._find_metric({'x/CF1': 1.0})
    with pytest.raises(ValueError, match='`rule` must be one of'):
        BestAndLastHook(metric='mAP', rule='max')
