"""LossEpochHook, and resuming training with stateful losses."""
import logging
from types import SimpleNamespace

import pytest
import torch
import torch.distributed as dist
import torch.nn as nn
from mmengine.hooks import Hook
from mmengine.model import BaseModel, MMDistributedDataParallel
from mmengine.runner import Runner
from mmpretrain.structures import DataSample

from mmpretrain_mlr.engine.hooks import LossEpochHook
from mmpretrain_mlr.models.heads.base_head import MultiLabelPromptHead
from mmpretrain_mlr.models.losses import LargeLossLoss, SPLCLoss

NUM_SAMPLES, NUM_CLASSES, DIM = 12, 4, 3


class LinearHead(MultiLabelPromptHead):
    """The shared head logic on a linear classifier."""

    def __init__(self, loss):
        super().__init__(loss=loss)
        self.fc = nn.Linear(DIM, NUM_CLASSES)

    def forward(self, feats):
        return self.fc(feats)


class ToyModel(BaseModel):

    def __init__(self, loss):
        super().__init__()
        self.head = LinearHead(loss)

    def forward(self, inputs, data_samples=None, mode='tensor'):
        feats = torch.stack(inputs)  # [B, DIM]
        if mode == 'loss':
            return self.head.loss(feats, data_samples)
        return self.head(feats)


class ToyDataset(torch.utils.data.Dataset):
    """Images as random vectors; two observed positives per image."""

    def __init__(self):
        gen = torch.Generator().manual_seed(0)
        self.feats = torch.randn(NUM_SAMPLES, DIM, generator=gen)
        self.observed = torch.zeros(NUM_SAMPLES, NUM_CLASSES, dtype=torch.int8)
        self.observed[torch.arange(NUM_SAMPLES),
                      torch.arange(NUM_SAMPLES) % NUM_CLASSES] = 1
        self.observed[0, 2] = -1

    def __len__(self):
        return NUM_SAMPLES

    def __getitem__(self, i):
        return dict(inputs=self.feats[i],
                    data_samples=DataSample(observed_label=self.observed[i],
                                            sample_idx=i))


class RecordLosses(Hook):

    def __init__(self):
        self.losses, self.epochs = [], []

    def after_train_iter(self,
                         runner,
                         batch_idx,
                         data_batch=None,
                         outputs=None):
        self.losses.append(outputs['loss'].item())
        self.epochs.append(
            int(runner.model.head.loss_module.epoch) if hasattr(
                runner.model.head.loss_module, 'epoch') else runner.epoch)


def train(work_dir, loss, name, resume_from=None):
    record = RecordLosses()
    runner = Runner(model=ToyModel(loss),
                    work_dir=str(work_dir),
                    experiment_name=name,
                    train_dataloader=dict(
                        dataset=ToyDataset(),
                        batch_size=4,
                        num_workers=0,
                        sampler=dict(type='DefaultSampler', shuffle=True),
                        collate_fn=dict(type='pseudo_collate')),
                    train_cfg=dict(by_epoch=True, max_epochs=3),
                    optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5)),
                    default_hooks=dict(checkpoint=dict(type='CheckpointHook',
                                                       interval=1),
                                       logger=dict(type='LoggerHook',
                                                   interval=100)),
                    custom_hooks=[dict(type='LossEpochHook'), record],
                    default_scope='mmpretrain',
                    randomness=dict(seed=0),
                    resume=resume_from is not None,
                    load_from=resume_from,
                    log_level='WARNING')
    runner.train()
    return record


LOSSES = {
    'll_cp': (dict(type='LargeLossLoss',
                   mode='correct_permanent',
                   delta_rel=0.1,
                   num_samples=NUM_SAMPLES,
                   num_classes=NUM_CLASSES), 'corrected'),
    'role': (dict(type='ROLELoss',
                  num_samples=NUM_SAMPLES,
                  num_classes=NUM_CLASSES,
                  expected_num_pos=1.5), 'label_logits'),
    'em_apl': (dict(type='EntropyMaximizationAPLLoss',
                    num_samples=NUM_SAMPLES,
                    num_classes=NUM_CLASSES,
                    warmup_epoch=1,
                    num_epochs=3), 'pred_cache'),
    'splc': (dict(type='SPLCLoss', tau=0.5), None),
}


@pytest.mark.parametrize('name', list(LOSSES))
def test_resume_gives_identical_next_losses(tmp_path, name):
    loss, state_key = LOSSES[name]
    full = train(tmp_path / 'full', loss, f'{name}_full')
    assert len(full.losses) == 9  # 3 epochs x 3 iterations
    if name != 'role':
        assert full.epochs == [0] * 3 + [1] * 3 + [2] * 3
    checkpoint = tmp_path / 'full' / 'epoch_2.pth'
    resumed = train(tmp_path / 'resumed',
                    loss,
                    f'{name}_resumed',
                    resume_from=str(checkpoint))
    assert resumed.losses == pytest.approx(full.losses[6:], rel=1e-6)

    if state_key is None:
        return
    # Control: the same resume with the loss's per-image state wiped
    # changes the losses, so the state really is what carried over.
    ckpt = torch.load(checkpoint, weights_only=False)
    key = f'head.loss_module.{state_key}'
    wiped = ckpt['state_dict'][key]
    ckpt['state_dict'][key] = (torch.zeros_like(wiped) if wiped.dtype
                               == torch.bool else torch.full_like(wiped, -1.))
    torch.save(ckpt, tmp_path / 'wiped.pth')
    control = train(tmp_path / 'control',
                    loss,
                    f'{name}_control',
                    resume_from=str(tmp_path / 'wiped.pth'))
    assert control.losses != pytest.approx(full.losses[6:], rel=1e-6)


def test_missing_sample_idx_names_the_pipeline_fix():
    head = LinearHead(LOSSES['ll_cp'][0])
    samples = [DataSample(observed_label=torch.zeros(NUM_CLASSES))]
    with pytest.raises(KeyError, match="keep 'sample_idx' in its meta_keys"):
        head.loss(torch.zeros(1, DIM), samples)


def fake_runner(model, epoch):
    return SimpleNamespace(model=model,
                           epoch=epoch,
                           logger=logging.getLogger('test_loss_epoch_hook'))


def test_hook_sets_the_epoch_of_every_loss():
    model = nn.ModuleDict(
        dict(a=SPLCLoss(), b=nn.Sequential(nn.Linear(1, 1), LargeLossLoss())))
    LossEpochHook().before_train_epoch(fake_runner(model, 3))
    assert int(model['a'].epoch) == 3 and int(model['b'][1].epoch) == 3


def test_hook_unwraps_ddp(tmp_path, caplog):
    dist.init_process_group('gloo',
                            init_method=f'file://{tmp_path}/pg',
                            rank=0,
                            world_size=1)
    try:
        model = nn.Sequential(nn.Linear(1, 1), SPLCLoss())
        wrapped = MMDistributedDataParallel(module=model)
        LossEpochHook().before_train_epoch(fake_runner(wrapped, 2))
        assert int(model[1].epoch) == 2
    finally:
        dist.destroy_process_group()
    with caplog.at_level(logging.WARNING):
        LossEpochHook().before_train_epoch(fake_runner(nn.Linear(1, 1), 0))
    assert 'no module of the model has set_epoch' in caplog.text
