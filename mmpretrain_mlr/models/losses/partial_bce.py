"""Partial binary cross-entropy of Durand et al. (CVPR 2019)."""
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .base_loss import ObservedLabelLoss


@MODELS.register_module()
class PartialBCELoss(ObservedLabelLoss):
    """Partial-BCE (Durand, Mehrasa and Mori, "Learning a Deep ConvNet for
    Multi-label Classification with Partial Labels", CVPR 2019).

    With p = sigmoid(logit), the BCE is taken on the known entries only
    (``-log p`` on +1, ``-log(1 - p)`` on -1, nothing and no gradient on 0).
    Each image i is rescaled by the normalisation function

        ``g(q_i) = alpha * q_i^gamma + beta``

    where ``q_i`` is the fraction of the image's C labels that are known. As in
    the paper, alpha and beta are fixed by ``g(0.1) = 5`` and ``g(1) = 1``;
    with ``gamma = 1`` this gives ``alpha = -40/9`` and ``beta = 49/9``. In
    general ``alpha = (g_low - g_high) / (q_low^gamma - 1)`` and
    ``beta = g_high - alpha``.

    Normalisation, as in the paper's Eq. (1): per image, the sum of the BCE
    over its known entries is divided by C (the number of classes, not the
    number of known labels) and multiplied by ``g(q_i)``; the loss is the mean
    of these over the batch. ``g`` depends on the labels only and carries no
    gradient. An image with no known label contributes 0.

    Args:
        gamma (float): exponent of q in g. Defaults to 1 (paper).
        q_low (float): the small known fraction anchoring g. Defaults to 0.1.
        g_low (float): value of g at ``q_low``. Defaults to 5 (paper).
        g_high (float): value of g at q = 1. Defaults to 1 (paper).
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self,
                 gamma: float = 1.0,
                 q_low: float = 0.1,
                 g_low: float = 5.0,
                 g_high: float = 1.0,
                 loss_weight: float = 1.0):
        super().__init__(loss_weight)
        if not 0 < q_low < 1:
            raise ValueError(f'q_low must lie in (0, 1), got {q_low}')
        self.gamma = gamma
        self.alpha = (g_low - g_high) / (q_low**gamma - 1)
        self.beta = g_high - self.alpha

    def compute(self, logits: torch.Tensor,
                observed: torch.Tensor) -> torch.Tensor:
        num_classes = logits.shape[1]
        known = observed != 0
        loss = torch.where(observed > 0, -F.logsigmoid(logits),
                           -F.logsigmoid(-logits))
        loss = torch.where(known, loss, torch.zeros_like(loss))
        frac_known = known.to(logits.dtype).mean(dim=1)
        scale = self.alpha * frac_known.pow(self.gamma) + self.beta
        per_image = scale * loss.sum(dim=1) / num_classes
        return per_image.mean()
