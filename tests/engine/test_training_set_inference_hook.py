"""TrainingSetInferenceHook: EM+APL's pseudo-label predictions come from an
eval pass over the training set at the end of each epoch."""
import torch
from mmengine.runner import Runner

from tests.engine.test_loss_epoch_hook import (NUM_CLASSES, NUM_SAMPLES,
                                               ToyDataset, ToyModel)

EM_APL = dict(type='EntropyMaximizationAPLLoss', num_samples=NUM_SAMPLES,
              num_classes=NUM_CLASSES, warmup_epoch=1, num_epochs=3)


class PredictingToyModel(ToyModel):
    """The toy model with a predict mode (sigmoid scores)."""

    def forward(self, inputs, data_samples=None, mode='tensor'):
        if mode == 'predict':
            return self.head.predict(torch.stack(inputs), data_samples)
        return super().forward(inputs, data_samples, mode)


def loader(shuffle):
    return dict(dataset=ToyDataset(), batch_size=5, num_workers=0,
                sampler=dict(type='DefaultSampler', shuffle=shuffle),
                collate_fn=dict(type='pseudo_collate'))


def train(work_dir, hooks):
    runner = Runner(model=PredictingToyModel(EM_APL), work_dir=str(work_dir),
                    train_dataloader=loader(shuffle=True),
                    train_cfg=dict(by_epoch=True, max_epochs=2),
                    optim_wrapper=dict(optimizer=dict(type='SGD', lr=0.5)),
                    default_hooks=dict(logger=dict(type='LoggerHook',
                                                   interval=100)),
                    custom_hooks=[dict(type='LossEpochHook')] + hooks,
                    default_scope='mmpretrain', randomness=dict(seed=0),
                    log_level='WARNING')
    runner.train()
    return runner.model


def expected_cache(model):
    """sigmoid of the final weights on every unknown entry, -1 elsewhere."""
    data = ToyDataset()
    with torch.no_grad():
        prob = torch.sigmoid(model.head.fc(data.feats))
    return torch.where(data.observed == 0, prob, torch.full_like(prob, -1))


def test_cache_holds_the_end_of_epoch_predictions(tmp_path):
    hook = dict(type='TrainingSetInferenceHook', dataloader=loader(False))
    model = train(tmp_path / 'with_hook', [hook])
    torch.testing.assert_close(model.head.loss_module.pred_cache,
                               expected_cache(model))
    assert model.training  # back in train mode after the pass


def test_without_the_hook_the_cache_comes_from_training_steps(tmp_path):
    model = train(tmp_path / 'without', [])
    cache = model.head.loss_module.pred_cache
    assert not torch.allclose(cache, expected_cache(model))
