"""Any mmpretrain backbone as a drop-in for the CLIP image encoder."""
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

from .blockwise_encoder import BlockwiseEncoder
from .features import ImageFeatures


@MODELS.register_module()
class ProjectedBackbone(BlockwiseEncoder):
    """An mmpretrain backbone whose last feature map is projected into the
    joint image-text space, so it can replace :class:`CLIPImageEncoder`.

    The feature map [B, C, h, w] becomes h*w tokens, a linear layer maps
    each to ``embed_dim`` (dense [B, h*w, D]), and the global feature is the
    projection of the spatial mean ([B, D]).

    Partial fine-tuning (see :class:`BlockwiseEncoder`): the blocks are the
    backbone's stages (``res_layers`` of a ResNet) or its ``layers`` (a
    ViT); the tail is what the backbone registers after them plus the
    projection, which always trains.

    Args:
        backbone (dict): an mmpretrain backbone config, e.g.
            ``dict(type='ResNet', depth=50, out_indices=(3, ))``.
        in_channels (int): channels of the backbone's last output.
        embed_dim (int): the joint space dimension (the text encoder's).
        frozen (bool): freeze the backbone (the projection still trains).
            Defaults to False.
        trainable_blocks (int, optional): train only the last k stages of
            the backbone; overrides ``frozen``. Defaults to None.
        channels_last (bool): channels-last weights and inputs for the
            backbone (see :meth:`BlockwiseEncoder.set_channels_last`).
            Defaults to False.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 in_channels: int,
                 embed_dim: int,
                 frozen: bool = False,
                 trainable_blocks: Optional[int] = None,
                 channels_last: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.backbone = MODELS.build(backbone)
        self.proj = nn.Linear(in_channels, embed_dim)
        self.configure_trainable(frozen, trainable_blocks)
        self.set_channels_last(channels_last)

    tower = 'backbone'
    #: the projection trains even when the backbone is frozen
    tail_frozen_with_tower = False

    def layer_groups(self) -> Tuple[List[str], List[str]]:
        backbone = self.backbone
        if hasattr(backbone, 'res_layers'):
            block_children = list(backbone.res_layers)
            blocks = [f'backbone.{name}' for name in block_children]
        elif isinstance(getattr(backbone, 'layers', None), nn.ModuleList):
            block_children = ['layers']
            blocks = [f'backbone.layers.{i}'
                      for i in range(len(backbone.layers))]
        else:
            raise NotImplementedError(
                f'ProjectedBackbone: {type(backbone).__name__} has neither '
                '`res_layers` nor a `layers` ModuleList, so its blocks for '
                'partial fine-tuning / layer-wise decay are unknown')
        children = [name for name, _ in backbone.named_children()]
        last = max(children.index(name) for name in block_children)
        tail = [f'backbone.{name}' for name in children[last + 1:]]
        return blocks, tail + ['proj']

    def forward(self, images: torch.Tensor) -> ImageFeatures:
        """[B, 3, H, W] -> global [B, D], dense [B, h*w, D]."""
        return self.forward_from(self.forward_to(images))

    def forward_to(self, images: torch.Tensor,
                   depth: Optional[int] = None) -> torch.Tensor:
        """The backbone's last feature map [B, C, h, w]: what a feature
        cache stores when the backbone is frozen. The backbone runs as
        one module, so ``depth`` must be None or all of its blocks."""
        blocks, _ = self.layer_groups()
        if depth not in (None, len(blocks)):
            raise NotImplementedError(
                f'ProjectedBackbone runs {type(self.backbone).__name__} as '
                f'one module: it cannot stop after {depth} of its '
                f'{len(blocks)} blocks (a feature cache needs the backbone '
                'frozen, or trainable_blocks unset)')
        return self.backbone(images)[-1]

    def modules_after(self, depth: Optional[int]) -> List[str]:
        return ['proj']

    def forward_from(self, feat: torch.Tensor,
                     depth: Optional[int] = None) -> ImageFeatures:
        """The projection of a feature map [B, C, h, w] from
        :meth:`forward_to`."""
        tokens = feat.flatten(2).transpose(1, 2)  # [B, h*w, C]
        return ImageFeatures(
            self.proj(tokens.mean(dim=1)), self.proj(tokens))
