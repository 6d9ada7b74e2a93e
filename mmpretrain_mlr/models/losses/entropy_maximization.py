"""Entropy-maximisation loss (EM) of Zhou et al. (ECCV 2022)."""
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .base_loss import ObservedLabelLoss


@MODELS.register_module()
class EntropyMaximizationLoss(ObservedLabelLoss):
    """EM loss (Zhou, Chen, Wang, Wu and Wang, "Acknowledging the Unknown for
    Multi-label Learning with Single Positive Labels", ECCV 2022).

    With p = sigmoid(logit) and ``H(p) = -p log p - (1 - p) log(1 - p)``:

    - observed positive (+1): ``-log(p)``
    - unknown (0): ``-alpha * H(p)`` (maximises the entropy of unknowns)
    - known negative (-1), absent in the single-positive setting: ``-log(1-p)``

    The loss is the sum over all entries divided by ``B * C``, as in the
    authors' ``compute_batch_loss`` (github.com/Correr-Zhou/
    SPML-AckTheUnknown, ``losses.py``, ``loss_EM``). Logarithms use
    ``logsigmoid`` (the authors add 1e-5 inside the log instead).

    ``alpha`` is set per dataset in the authors' ``main.py``: VOC 0.2,
    COCO 0.1, NUS-WIDE 0.1, CUB 0.01. The default 0.1 is the COCO/NUS value.

    Args:
        alpha (float): weight of the entropy term on unknowns. Defaults to
            0.1.
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self, alpha: float = 0.1, loss_weight: float = 1.0):
        super().__init__(loss_weight)
        self.alpha = alpha

    def compute(self, logits: torch.Tensor,
                observed: torch.Tensor) -> torch.Tensor:
        log_p = F.logsigmoid(logits)
        log_not_p = F.logsigmoid(-logits)
        prob = torch.sigmoid(logits)
        entropy = -(prob * log_p + (1 - prob) * log_not_p)
        loss = torch.where(observed > 0, -log_p, -self.alpha * entropy)
        loss = torch.where(observed < 0, -log_not_p, loss)
        return loss.sum() / loss.numel()
