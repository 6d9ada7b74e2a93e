"""Hill loss of Zhang et al. (2021)."""
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .base_loss import ObservedLabelLoss


@MODELS.register_module()
class HillLoss(ObservedLabelLoss):
    """Hill loss (Zhang, Cheng, Huang, Xu, Wang and Wang, "Simple and Robust
    Loss Design for Multi-Label Learning with Missing Labels", arXiv
    2112.07368, 2021).

    With p = sigmoid(logit):

    - positive (+1), ``positive_loss='focal_margin'`` (the paper's choice),
      with ``p_m = sigmoid(logit - margin)``:
      ``-(1 - p_m)^gamma * log(p_m)``;
      with ``positive_loss='bce'``: ``-log(p)`` (no margin);
    - unknown (0) and known negative (-1): ``(lamb - p) * p^2``, the Hill
      term (the negative of the log-likelihood-like ``-(lamb - p) p^2``
      written in the paper).

    As in the authors' code (github.com/xinyu1205/robust-loss-mlml,
    ``src/loss_functions/losses.py``, class ``Hill``), neither the weight
    ``(lamb - p)`` nor the focal weight ``(1 - p_m)^gamma`` is detached:
    gradients flow through both. Defaults ``lamb = 1.5``, ``margin = 1``,
    ``gamma = 2`` and ``reduction = 'sum'`` are the authors'. ``'sum'`` sums
    over all B * C entries (not divided by B); ``'mean'`` divides that sum by
    ``B * C``.

    Args:
        lamb (float): lambda of the Hill term. Defaults to 1.5.
        margin (float): logit margin of the focal-margin positive loss.
            Defaults to 1.
        gamma (float): focusing exponent of the focal-margin positive loss.
            Defaults to 2.
        positive_loss (str): ``'focal_margin'`` or ``'bce'``. Defaults to
            ``'focal_margin'``.
        reduction (str): ``'sum'`` or ``'mean'``. Defaults to ``'sum'``.
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self,
                 lamb: float = 1.5,
                 margin: float = 1.0,
                 gamma: float = 2.0,
                 positive_loss: str = 'focal_margin',
                 reduction: str = 'sum',
                 loss_weight: float = 1.0):
        super().__init__(loss_weight)
        if positive_loss not in ('focal_margin', 'bce'):
            raise ValueError("positive_loss must be 'focal_margin' or 'bce', "
                             f'got {positive_loss!r}')
        if reduction not in ('sum', 'mean'):
            raise ValueError(
                f"reduction must be 'sum' or 'mean', got {reduction!r}")
        self.lamb = lamb
        self.margin = margin
        self.gamma = gamma
        self.positive_loss = positive_loss
        self.reduction = reduction

    def compute(self, logits: torch.Tensor,
                observed: torch.Tensor) -> torch.Tensor:
        if self.positive_loss == 'focal_margin':
            shifted = logits - self.margin
            loss_pos = -(1 - torch.sigmoid(shifted)).pow(
                self.gamma) * F.logsigmoid(shifted)
        else:
            loss_pos = -F.logsigmoid(logits)
        prob = torch.sigmoid(logits)
        loss_neg = (self.lamb - prob) * prob.pow(2)
        loss = torch.where(observed > 0, loss_pos, loss_neg)
        loss = loss.sum()
        if self.reduction == 'mean':
            loss = loss / logits.numel()
        return loss
