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
        pos, neg = observed > 0, observed < 0  # [B, C]
        # each image's positives first: [B, P] columns, P = most positives
        # of an image (pairs are [B, P, C], not [B, C, C])
        most = max(int(pos.sum(dim=1).max()), 1)
        order = pos.float().topk(most, dim=1).indices  # [B, P]
        is_pos = pos.gather(1, order)
        pos_scores = scores.gather(1, order)
        # hinge[b, p, q] = margin + s[b, q] - s[b, p]
        hinge = self.margin + scores.unsqueeze(1) - pos_scores.unsqueeze(2)
        pairs = is_pos.unsqueeze(2) & neg.unsqueeze(1)  # [B, P, C]
        hinge = torch.where(pairs, hinge, hinge.new_zeros(())).clamp(min=0)
        violations = (hinge > 0).sum(dim=(1, 2))
        per_image = hinge.sum(dim=(1, 2)) / (violations + 1e-8)
        return per_image.mean()
