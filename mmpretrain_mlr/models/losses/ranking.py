"""Pairwise ranking loss on observed labels (the zero-shot loss of MKT and
SigRL)."""
import torch
from mmpretrain.registry import MODELS

from .base_loss import ObservedLabelLoss


@MODELS.register_module()
class PairwiseRankingLoss(ObservedLabelLoss):
    """Hinge loss on every (positive, negative) pair of an image's labels.

    Per image, over its known positives p (+1) and known negatives q (-1)
    (unknown entries, 0, take no part)::

        sum_{p, q} max(0, margin + s_q - s_p) / (violations + 1e-8)

    where ``violations`` counts the pairs with a positive hinge; the loss
    is the mean over the images of the batch. An image without any pair
    (no known positive or no known negative) contributes 0 and still
    counts in the mean, as in the released code; a head drops the images
    it wants excluded beforehand (``SigRLHead``'s
    ``drop_images_without_positive``).

    Used by MKT (He et al., *Open-Vocabulary Multi-Label Classification
    via Multi-modal Knowledge Transfer*, AAAI 2023) and SigRL on scores in
    [-1, 1].

    Args:
        margin (float): Defaults to 1.
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self, margin: float = 1., loss_weight: float = 1.0):
        super().__init__(loss_weight)
        self.margin = margin

    def compute(self, scores: torch.Tensor,
                observed: torch.Tensor) -> torch.Tensor:
        pos = (observed > 0).to(scores.dtype)  # [B, C]
        neg = (observed < 0).to(scores.dtype)
        # hinge[b, q, p] = margin + s[b, q] - s[b, p]
        hinge = self.margin + scores.unsqueeze(2) - scores.unsqueeze(1)
        pairs = neg.unsqueeze(2) * pos.unsqueeze(1)  # [B, C_q, C_p]
        hinge = (hinge * pairs).clamp(min=0)
        violations = (hinge > 0).sum(dim=(1, 2))
        per_image = hinge.sum(dim=(1, 2)) / (violations + 1e-8)
        return per_image.mean()
