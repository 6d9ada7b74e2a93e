"""Asymmetric loss restricted to the known entries of the label matrix."""
import torch
from mmpretrain.registry import MODELS

from .base_loss import ObservedLabelLoss


@MODELS.register_module()
class MaskedAsymmetricLoss(ObservedLabelLoss):
    """Asymmetric loss (Ridnik et al., ICCV 2021) on known labels only, as
    DualCoOp trains under partial labels.

    With p = sigmoid(logit):

    - known positive (+1): ``-(1 - p)^gamma_pos * log(max(p, eps))``
    - known negative (-1), with the shifted probability
      ``q = min(1, 1 - p + clip)``: ``-(1 - q)^gamma_neg * log(max(q, eps))``
    - unknown (0): nothing.

    The focusing weights ``(1 - p)^gamma`` carry no gradient. The loss is
    summed over entries and divided by the batch size.

    Args:
        gamma_pos (float): focusing exponent on positives. Defaults to 1.
        gamma_neg (float): focusing exponent on negatives. Defaults to 2.
        clip (float): probability margin shifted off negatives. Defaults to
            0.05.
        eps (float): floor inside the logarithms. Defaults to 1e-8.
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self,
                 gamma_pos: float = 1.0,
                 gamma_neg: float = 2.0,
                 clip: float = 0.05,
                 eps: float = 1e-8,
                 loss_weight: float = 1.0):
        super().__init__(loss_weight)
        self.gamma_pos = gamma_pos
        self.gamma_neg = gamma_neg
        self.clip = clip
        self.eps = eps

    def compute(self, logits: torch.Tensor,
                observed: torch.Tensor) -> torch.Tensor:
        prob = torch.sigmoid(logits)
        prob_neg = (1 - prob + self.clip).clamp(max=1)
        loss_pos = -torch.log(prob.clamp(min=self.eps))
        loss_neg = -torch.log(prob_neg.clamp(min=self.eps))
        with torch.no_grad():
            weight_pos = (1 - prob).pow(self.gamma_pos)
            weight_neg = (1 - prob_neg).pow(self.gamma_neg)
        loss = torch.where(observed > 0, weight_pos * loss_pos,
                           torch.zeros_like(prob))
        loss = loss + torch.where(observed < 0, weight_neg * loss_neg,
                                  torch.zeros_like(prob))
        return loss.sum() / logits.shape[0]
