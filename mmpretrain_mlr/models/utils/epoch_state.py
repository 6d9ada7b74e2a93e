"""The training epoch as module state, for heads and losses whose rule
changes with it (warm-ups, growing rejection rates, self-paced
corrections)."""
import warnings

import torch
import torch.nn as nn


class EpochStateMixin:
    """Keeps the index of the current training epoch in a buffer.

    The epoch (0 during the first training epoch, as ``runner.epoch``) lives
    in the registered buffer ``epoch``, so checkpoints carry it and every
    process holds the same value. ``SetEpochHook`` calls :meth:`set_epoch`
    before every training epoch on each submodule that has it.

    Call :meth:`init_epoch_state` in ``__init__`` (after
    ``nn.Module.__init__``).
    """

    def init_epoch_state(self: nn.Module) -> None:
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
        """Warn once when training without ``SetEpochHook``, whose absence
        would freeze the schedule at epoch 0."""
        if self.training and not self._epoch_was_set:
            warnings.warn(
                f'{type(self).__name__} depends on the epoch but set_epoch() '
                "was never called; add custom_hooks=[dict(type="
                "'SetEpochHook')] to the config")
            self._epoch_was_set = True
