"""What every loss on observed labels shares: the call signature, the shape
check and the loss weight."""
import torch
import torch.nn as nn


class ObservedLabelLoss(nn.Module):
    """Base of the losses that score logits against observed labels.

    Subclasses implement :meth:`compute`; calling the loss checks the shapes
    and multiplies by ``loss_weight``.

    Args:
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self, logits: torch.Tensor,
                observed: torch.Tensor) -> torch.Tensor:
        """Args:
            logits (Tensor): [B, C].
            observed (Tensor): [B, C] in {+1, -1, 0}.

        Returns:
            Tensor: the scalar loss.
        """
        if logits.shape != observed.shape:
            raise ValueError(
                f'{type(self).__name__}: logits {tuple(logits.shape)} and '
                f'observed labels {tuple(observed.shape)} differ in shape')
        return self.loss_weight * self.compute(logits, observed)

    def compute(self, logits: torch.Tensor,
                observed: torch.Tensor) -> torch.Tensor:
        """The unweighted loss of :meth:`forward`."""
        raise NotImplementedError(
            f'{type(self).__name__} must implement `compute`')
