"""What the losses that keep state across steps share: the epoch (from the
shared :class:`EpochStateMixin`) and the class-count check of per-image
tables. The cross-process helpers live in :mod:`..utils.distributed` and
are re-exported here for existing imports."""
import torch

from ..utils import EpochStateMixin, all_gather_rows, last_occurrence
from .base_loss import ObservedLabelLoss

__all__ = [
    'EpochDependentLoss', 'all_gather_rows', 'last_occurrence',
    'check_num_classes'
]


class EpochDependentLoss(EpochStateMixin, ObservedLabelLoss):
    """Base of the losses whose rule changes with the training epoch.

    The epoch (0 during the first training epoch, as ``runner.epoch``) is
    kept in the registered buffer ``epoch``, so checkpoints carry it.
    ``SetEpochHook`` calls :meth:`set_epoch` before every training epoch.

    Args:
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__(loss_weight)
        self.init_epoch_state()


def check_num_classes(loss: ObservedLabelLoss, logits: torch.Tensor) -> None:
    """Raise when the logits [B, C] do not have ``loss.num_classes``
    columns, the width of the loss's per-image state."""
    if logits.shape[1] != loss.num_classes:
        raise ValueError(
            f'{type(loss).__name__}: logits have {logits.shape[1]} classes '
            f'but num_classes={loss.num_classes} in the loss config')
