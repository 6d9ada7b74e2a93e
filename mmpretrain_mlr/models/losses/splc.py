"""Self-paced loss correction (SPLC) of Zhang et al. (2021)."""
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .stateful import EpochDependentLoss


@MODELS.register_module()
class SPLCLoss(EpochDependentLoss):
    """SPLC (Zhang, Cheng, Huang, Xu, Wang and Wang, "Simple and Robust Loss
    Design for Multi-Label Learning with Missing Labels", arXiv 2112.07368,
    2021), with the focal margin loss on positives.

    With ``z`` the logit, ``z_m = z - margin`` on observed positives and
    ``z_m = z`` elsewhere, and ``q = sigmoid(z_m)``:

    - positives: ``-(1 - q)^gamma * log(q)`` (focal margin loss);
    - negatives: ``-q^gamma * log(1 - q)`` (focal loss, no Hill term).

    Positives are the observed positives (+1) and, from epoch
    ``change_epoch`` on (epochs counted from 0, so by default after the
    first epoch), every unknown entry (0) with ``sigmoid(z) > tau``; the
    other unknowns are negatives. Corrected entries get no margin, and the
    choice itself carries no gradient. Known negatives (-1, from partial
    labels) stay negatives and are never corrected.

    This is class ``SPLC`` of the authors' code (github.com/xinyu1205/
    robust-loss-mlml, ``src/loss_functions/losses.py``, called with the
    0-based epoch of ``train.py``): same defaults ``tau = 0.6``,
    ``change_epoch = 1``, ``margin = 1``, ``gamma = 2``,
    ``reduction = 'sum'``, and the focal weights are not detached. There,
    missing labels and negatives are both 0 and all can be corrected.
    ``'sum'`` sums over all B * C entries; ``'mean'`` divides that by
    ``B * C``.

    Args:
        tau (float): probability above which an unknown entry counts as
            positive. Defaults to 0.6.
        change_epoch (int): first (0-based) epoch with corrections.
            Defaults to 1.
        margin (float): logit margin of the positive loss. Defaults to 1.
        gamma (float): focusing exponent. Defaults to 2.
        reduction (str): ``'sum'`` or ``'mean'``. Defaults to ``'sum'``.
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self,
                 tau: float = 0.6,
                 change_epoch: int = 1,
                 margin: float = 1.0,
                 gamma: float = 2.0,
                 reduction: str = 'sum',
                 loss_weight: float = 1.0):
        super().__init__(loss_weight)
        if reduction not in ('sum', 'mean'):
            raise ValueError(
                f"reduction must be 'sum' or 'mean', got {reduction!r}")
        if not 0 < tau < 1:
            raise ValueError(f'tau must lie in (0, 1), got {tau}')
        self.tau = tau
        self.change_epoch = change_epoch
        self.margin = margin
        self.gamma = gamma
        self.reduction = reduction

    def compute(self, logits: torch.Tensor,
                observed: torch.Tensor) -> torch.Tensor:
        positive = observed > 0
        if self.current_epoch >= self.change_epoch:
            corrected = (observed == 0) & (torch.sigmoid(logits) > self.tau)
            positive = positive | corrected
        shifted = torch.where(observed > 0, logits - self.margin, logits)
        prob = torch.sigmoid(shifted)
        loss_pos = -(1 - prob).pow(self.gamma) * F.logsigmoid(shifted)
        loss_neg = -prob.pow(self.gamma) * F.logsigmoid(-shifted)
        loss = torch.where(positive, loss_pos, loss_neg).sum()
        if self.reduction == 'mean':
            loss = loss / logits.numel()
        return loss
