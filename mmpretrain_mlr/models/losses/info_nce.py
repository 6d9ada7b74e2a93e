"""Symmetric InfoNCE (CLIP's contrastive loss), with optional soft targets."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS


@MODELS.register_module()
class SymmetricInfoNCELoss(nn.Module):
    """CLIP's image-text contrastive loss (Radford et al., 2021).

    With L2-normalised image and text embeddings u, v [B, D] and a scale s,
    the logits are ``s * u @ v.T`` [B, B]. The loss is the mean of the
    cross-entropy over each row (image -> texts) and over each column
    (text -> images). By default the target of pair i is pair i alone. With
    ``same`` (a [B, B] bool matrix, e.g. "the two captions are identical")
    the target of a row is spread evenly over its matching columns, so a
    repeated caption is not pushed away from the other images it describes
    (false-negative-aware targets).

    Args:
        loss_weight (float): Factor on the loss. Defaults to 1.
    """

    def __init__(self, loss_weight: float = 1.0):
        super().__init__()
        self.loss_weight = loss_weight

    def forward(self,
                image_embeds: torch.Tensor,
                text_embeds: torch.Tensor,
                logit_scale: torch.Tensor,
                same: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Args:
            image_embeds (Tensor): [B, D], L2-normalised.
            text_embeds (Tensor): [B, D], L2-normalised; row i describes
                image i.
            logit_scale (Tensor | float): s, the inverse temperature.
            same (Tensor, optional): [B, B] bool, symmetric with a true
                diagonal: which pairs count as matches. Defaults to None
                (the diagonal only).

        Returns:
            Tensor: the scalar loss.
        """
        if image_embeds.shape != text_embeds.shape:
            raise ValueError(
                'SymmetricInfoNCELoss: image and text embeddings must have '
                f'the same shape [B, D], got {tuple(image_embeds.shape)} and '
                f'{tuple(text_embeds.shape)}')
        logits = logit_scale * image_embeds @ text_embeds.t()  # [B, B]
        if same is None:
            same = torch.eye(logits.shape[0], dtype=torch.bool,
                             device=logits.device)
        target = same.to(logits.dtype)
        target = target / target.sum(dim=1, keepdim=True)  # [B, B]
        # `same` is symmetric, so the columns' targets are the same rows
        loss = (F.cross_entropy(logits, target) +
                F.cross_entropy(logits.t(), target)) / 2
        return self.loss_weight * loss
