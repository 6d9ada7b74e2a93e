"""What every loss on observed labels shares: the call signature, the shape
check, the loss weight, and the contract that feeds sample indices and the
epoch to the losses that keep state."""
from typing import Optional

import torch
import torch.nn as nn


class ObservedLabelLoss(nn.Module):
    """Base of the losses that score logits against observed labels.

    Subclasses implement :meth:`compute`; calling the loss checks the shapes
    and multiplies by ``loss_weight``.

    **Sample indices.** A loss that keeps per-image state (a label-estimate
    table, permanent label corrections) sets the class attribute
    ``needs_sample_idx = True`` and an attribute ``num_samples`` (the size
    of the training set, a required config argument of such losses). The
    head then reads ``sample_idx`` -- the dataset index that mmengine's
    ``BaseDataset`` puts in every data info -- from the data samples and
    calls ``loss(logits, observed, sample_idx=...)``; :meth:`forward`
    checks the indices and passes them on as ``compute(logits, observed,
    sample_idx)``. mmpretrain's ``PackInputs`` packs the index by default
    (``sample_idx`` is one of its default ``meta_keys``); a pipeline that
    overrides ``meta_keys`` must keep it.

    Per-image state lives in the loss module as a parameter or buffer of
    ``num_samples`` rows, so checkpoints save it and ``resume`` restores
    it. A buffer updated from a process's own batch is all-gathered across
    processes before the update, so every process holds the same state.

    **Epoch.** A loss whose rule depends on the epoch exposes
    ``set_epoch(epoch)`` and keeps the epoch in a registered buffer (see
    :class:`~mmpretrain_mlr.models.losses.stateful.EpochDependentLoss`);
    ``custom_hooks = [dict(type='SetEpochHook')]`` calls
    ``set_epoch(runner.epoch)`` (0 in the first epoch) on every submodule
    of the model that has it, before each training epoch.

    Args:
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    #: whether :meth:`forward` needs the dataset indices of the batch.
    needs_sample_idx = False

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self,
                logits: torch.Tensor,
                observed: torch.Tensor,
                sample_idx: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Args:
            logits (Tensor): [B, C].
            observed (Tensor): [B, C] in {+1, -1, 0}.
            sample_idx (Tensor, optional): [B], dataset index of each image.
                Required when ``needs_sample_idx`` is True, ignored
                otherwise.

        Returns:
            Tensor: the scalar loss.
        """
        if logits.shape != observed.shape:
            raise ValueError(
                f'{type(self).__name__}: logits {tuple(logits.shape)} and '
                f'observed labels {tuple(observed.shape)} differ in shape')
        if not self.needs_sample_idx:
            return self.loss_weight * self.compute(logits, observed)
        sample_idx = self._check_sample_idx(sample_idx, logits.shape[0])
        return self.loss_weight * self.compute(logits, observed, sample_idx)

    def compute(self, logits: torch.Tensor, observed: torch.Tensor,
                *args) -> torch.Tensor:
        """The unweighted loss of :meth:`forward`."""
        raise NotImplementedError(
            f'{type(self).__name__} must implement `compute`')

    def _check_sample_idx(self, sample_idx: Optional[torch.Tensor],
                          batch_size: int) -> torch.Tensor:
        """``sample_idx`` as a long tensor [B] within ``num_samples``."""
        name = type(self).__name__
        if sample_idx is None:
            raise ValueError(
                f'{name} needs the dataset index of every image: call it as '
                'loss(logits, observed, sample_idx=...)')
        sample_idx = torch.as_tensor(sample_idx).long().flatten()
        if sample_idx.numel() != batch_size:
            raise ValueError(f'{name}: got {sample_idx.numel()} sample '
                             f'indices for a batch of {batch_size}')
        bad = (sample_idx < 0) | (sample_idx >= self.num_samples)
        if bool(bad.any()):
            raise IndexError(
                f'{name}: sample_idx {int(sample_idx[bad][0])} is outside '
                f'[0, num_samples={self.num_samples}); set `num_samples` to '
                'the length of the training set')
        return sample_idx
