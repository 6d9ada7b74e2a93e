"""Any mmpretrain backbone as a drop-in for the CLIP image encoder."""
from typing import Optional

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from .features import ImageFeatures


@MODELS.register_module()
class ProjectedBackbone(BaseModule):
    """An mmpretrain backbone whose last feature map is projected into the
    joint image-text space, so it can replace :class:`CLIPImageEncoder`.

    The feature map [B, C, h, w] becomes h*w tokens, a linear layer maps
    each to ``embed_dim`` (dense [B, h*w, D]), and the global feature is the
    projection of the spatial mean ([B, D]).

    Args:
        backbone (dict): an mmpretrain backbone config, e.g.
            ``dict(type='ResNet', depth=50, out_indices=(3, ))``.
        in_channels (int): channels of the backbone's last output.
        embed_dim (int): the joint space dimension (the text encoder's).
        frozen (bool): freeze the backbone (the projection still trains).
            Defaults to False.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 in_channels: int,
                 embed_dim: int,
                 frozen: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.proj = nn.Linear(in_channels, embed_dim)
        self.frozen = frozen
        if frozen:
            self.backbone.requires_grad_(False)

    def train(self, mode: bool = True):
        """Keep a frozen backbone in eval mode."""
        super().train(mode)
        if self.frozen:
            self.backbone.eval()
        return self

    def forward(self, images: torch.Tensor) -> ImageFeatures:
        """[B, 3, H, W] -> global [B, D], dense [B, h*w, D]."""
        feat = self.backbone(images)[-1]  # [B, C, h, w]
        tokens = feat.flatten(2).transpose(1, 2)  # [B, h*w, C]
        return ImageFeatures(
            self.proj(tokens.mean(dim=1)), self.proj(tokens))
