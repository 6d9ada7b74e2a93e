"""Supervised contrastive loss over region features and class texts."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS


@MODELS.register_module()
class MultimodalContrastiveLoss(nn.Module):
    """Supervised InfoNCE between the region features of positive entries
    and the class text embeddings (TRM-ML's multimodal contrastive
    learning; Ma et al., ACM MM 2024; the form is a reconstruction
    default).

    Anchors are the region features R[b, c] of the positive entries of a
    batch (known positives, plus pseudo-positives if the head passes them).
    For an anchor i of class c, the candidates are every other anchor and
    every class text T[c']; its positives are T[c] and the other anchors of
    class c, the rest are negatives. With cosine similarities s and
    temperature t::

        loss_i = -1/|P_i| sum_{p in P_i} log(exp(s_ip / t) /
                                             sum_{a != i} exp(s_ia / t))

    averaged over anchors (0 for a batch without positives).

    Args:
        temperature (float): t. Defaults to 0.07.
        loss_weight (float): multiplier. Defaults to 0.1.
    """

    def __init__(self, temperature: float = 0.07, loss_weight: float = 0.1):
        super().__init__()
        self.temperature = temperature
        self.loss_weight = loss_weight

    def forward(self, regions: torch.Tensor, text: torch.Tensor,
                positives: torch.Tensor) -> torch.Tensor:
        """Args:
            regions (Tensor): region features [B, C, D].
            text (Tensor): class text embeddings [C, D].
            positives (Tensor): bool [B, C], the anchor entries.

        Returns:
            Tensor: the scalar loss.
        """
        batch_idx, class_idx = torch.nonzero(positives, as_tuple=True)
        if class_idx.numel() == 0:
            return regions.sum() * 0.
        anchors = F.normalize(regions[batch_idx, class_idx], dim=-1)  # [M, D]
        text = F.normalize(text.to(anchors.dtype), dim=-1)  # [C, D]
        candidates = torch.cat([anchors, text])  # [M + C, D]
        logits = anchors @ candidates.T / self.temperature  # [M, M + C]
        num_anchors = anchors.shape[0]
        candidate_class = torch.cat([
            class_idx, torch.arange(text.shape[0], device=class_idx.device)
        ])
        is_self = torch.zeros_like(logits, dtype=torch.bool)
        is_self[:, :num_anchors] = torch.eye(
            num_anchors, dtype=torch.bool, device=logits.device)
        positive = (class_idx[:, None] == candidate_class[None]) & ~is_self
        log_prob = logits - torch.logsumexp(
            logits.masked_fill(is_self, float('-inf')), dim=1, keepdim=True)
        per_anchor = -(log_prob * positive).sum(1) / positive.sum(1)
        return self.loss_weight * per_anchor.mean()
