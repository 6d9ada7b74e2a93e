"""Pieces shared by the losses that keep state across steps: the epoch
buffer behind ``set_epoch`` and the gathering of per-image updates across
processes."""
import warnings
from typing import Tuple

import torch
from mmengine.dist import all_gather

from .base_loss import ObservedLabelLoss


class EpochDependentLoss(ObservedLabelLoss):
    """Base of the losses whose rule changes with the training epoch.

    The epoch (0 during the first training epoch, as ``runner.epoch``) is
    kept in the registered buffer ``epoch``, so checkpoints carry it.
    ``LossEpochHook`` calls :meth:`set_epoch` before every training epoch.

    Args:
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__(loss_weight)
        self.register_buffer('epoch', torch.zeros((), dtype=torch.long))
        self._epoch_was_set = False

    def set_epoch(self, epoch: int) -> None:
        """Store the index of the training epoch about to start."""
        if epoch < 0:
            raise ValueError(f'{type(self).__name__}: epoch must be >= 0, '
                             f'got {epoch}')
        self.epoch.fill_(int(epoch))
        self._epoch_was_set = True

    @property
    def current_epoch(self) -> int:
        """The stored epoch (see :meth:`warn_if_epoch_unset`)."""
        self.warn_if_epoch_unset()
        return int(self.epoch)

    def warn_if_epoch_unset(self) -> None:
        """Warn once when training without ``LossEpochHook``, whose absence
        would freeze the schedule at epoch 0."""
        if self.training and not self._epoch_was_set:
            warnings.warn(
                f'{type(self).__name__} depends on the epoch but set_epoch() '
                "was never called; add custom_hooks=[dict(type="
                "'LossEpochHook')] to the config")
            self._epoch_was_set = True


def all_gather_rows(*tensors: torch.Tensor) -> Tuple[torch.Tensor, ...]:
    """Concatenate, along dim 0, the tensors of every process.

    Each process may hold a different number of rows (the tensors of one
    process share it). Without a process group the tensors come back
    unchanged. Every process gets the rows in rank order.

    Args:
        *tensors (Tensor): [N_rank, ...] each.

    Returns:
        tuple[Tensor]: [sum of N_rank, ...] each, in the input dtypes.
    """
    num_rows = tensors[0].new_tensor([tensors[0].shape[0]], dtype=torch.long)
    counts = [int(n) for n in all_gather(num_rows)]
    if len(counts) == 1:
        return tensors
    gathered = []
    for tensor in tensors:
        # gloo has no all_gather for bool tensors; equal shapes are needed.
        padded = tensor.new_zeros(
            (max(counts), *tensor.shape[1:]),
            dtype=torch.uint8 if tensor.dtype == torch.bool else tensor.dtype)
        padded[:tensor.shape[0]] = tensor
        parts = all_gather(padded)
        rows = torch.cat([part[:n] for part, n in zip(parts, counts)])
        gathered.append(rows.to(device=tensor.device, dtype=tensor.dtype))
    return tuple(gathered)


def last_occurrence(
        sample_idx: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """The distinct indices of ``sample_idx`` and, for each, the position of
    its last occurrence -- so that writing rows of a batch in which an image
    appears twice (samplers pad the last batches of an epoch by repeating
    images) is deterministic on every device.

    Args:
        sample_idx (Tensor): [N] long.

    Returns:
        tuple[Tensor, Tensor]: distinct indices [M] and positions [M].
    """
    unique, inverse = torch.unique(sample_idx, return_inverse=True)
    positions = torch.arange(sample_idx.numel(), device=sample_idx.device)
    last = torch.zeros_like(unique).scatter_reduce(0,
                                                   inverse,
                                                   positions,
                                                   reduce='amax',
                                                   include_self=False)
    return unique, last


def check_num_classes(loss: ObservedLabelLoss, logits: torch.Tensor) -> None:
    """Raise when the logits [B, C] do not have ``loss.num_classes``
    columns, the width of the loss's per-image state."""
    if logits.shape[1] != loss.num_classes:
        raise ValueError(
            f'{type(loss).__name__}: logits have {logits.shape[1]} classes '
            f'but num_classes={loss.num_classes} in the loss config')
