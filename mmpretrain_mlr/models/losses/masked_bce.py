"""Binary cross-entropy restricted to the known entries of the label matrix."""
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .base_loss import ObservedLabelLoss


@MODELS.register_module()
class MaskedBCELoss(ObservedLabelLoss):
    """Binary cross-entropy on known labels only (the usual partial-label
    baseline; no paper-specific defaults).

    With p = sigmoid(logit):

    - known positive (+1): ``-log(p)``
    - known negative (-1): ``-log(1 - p)``
    - unknown (0): nothing, and no gradient.

    The loss is the mean over the known entries of the batch; it is 0 (still
    attached to the graph) when no entry is known. Logarithms are computed
    with ``logsigmoid``, so no epsilon is needed.

    Args:
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__(loss_weight)

    def compute(self, logits: torch.Tensor,
                observed: torch.Tensor) -> torch.Tensor:
        known = observed != 0
        loss = torch.where(observed > 0, -F.logsigmoid(logits),
                           -F.logsigmoid(-logits))
        loss = torch.where(known, loss, torch.zeros_like(loss))
        num_known = known.sum().clamp(min=1)
        return loss.sum() / num_known
