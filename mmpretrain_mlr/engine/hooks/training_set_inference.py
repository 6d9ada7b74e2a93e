"""Score the training set after each epoch for losses that pseudo-label."""
from typing import List

import torch
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model


@HOOKS.register_module()
class TrainingSetInferenceHook(Hook):
    """After every training epoch, run the model in eval mode over the
    training set and give the probabilities to each submodule with a
    ``record_predictions(prob, observed, sample_idx)`` method (EM+APL).

    This is the extra inference pass of the EM+APL authors' code
    (Correr-Zhou/SPML-AckTheUnknown ``main.py``): pseudo-labels are drawn
    from clean (test-pipeline) predictions of the weights at the end of the
    epoch. Without this hook EM+APL uses the predictions of its own
    training steps instead. The pass runs before the epoch's checkpoint is
    written, so resuming keeps the recorded predictions.

    The dataloader is the training set with the test pipeline, packing the
    observed labels (``sample_idx`` comes with PackInputs' defaults)::

        custom_hooks = [
            dict(type='SetEpochHook'),
            dict(type='TrainingSetInferenceHook', dataloader=dict(
                batch_size=64, num_workers=4,
                dataset=dict(**train_set, pipeline=[
                    dict(type='LoadImageFromFile'),
                    dict(type='Resize', scale=(448, 448)),
                    dict(type='PackInputs',
                         algorithm_keys=('observed_label', ))]),
                sampler=dict(type='DefaultSampler', shuffle=False))),
        ]

    Under distributed training every process scores its shard; the losses
    gather the rows across processes.

    Args:
        dataloader (dict): Config of the dataloader over the training set.
    """

    priority = 'NORMAL'  # before CheckpointHook (VERY_LOW)

    def __init__(self, dataloader: dict) -> None:
        self.dataloader_cfg = dataloader
        self._dataloader = None

    def _recorders(self, runner) -> List[torch.nn.Module]:
        model = get_ori_model(runner.model)
        return [
            module for module in model.modules()
            if callable(getattr(module, 'record_predictions', None))
        ]

    def after_train_epoch(self, runner) -> None:
        recorders = self._recorders(runner)
        if not recorders:
            return
        if self._dataloader is None:
            self._dataloader = runner.build_dataloader(
                self.dataloader_cfg, seed=runner.seed)
        runner.model.eval()
        with torch.no_grad():
            for data_batch in self._dataloader:
                outputs = runner.model.val_step(data_batch)
                prob = torch.stack([out.pred_score for out in outputs])
                observed = torch.stack([
                    torch.as_tensor(out.observed_label) for out in outputs
                ]).to(prob.device)
                sample_idx = torch.as_tensor(
                    [int(out.sample_idx) for out in outputs],
                    device=prob.device)
                for recorder in recorders:
                    recorder.record_predictions(prob, observed, sample_idx)
        runner.model.train()
