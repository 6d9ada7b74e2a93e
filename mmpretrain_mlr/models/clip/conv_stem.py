"""A convolutional stem in place of a ViT's patchify convolution."""
from typing import Sequence

import torch.nn as nn


class ConvPatchStem(nn.Sequential):
    """Stride-2 3x3 convolutions (each with batch norm and ReLU) and a 1x1
    projection to the transformer width: the patch embedding of a ViT whose
    first layers see pixels through small kernels instead of one linear map
    per patch. The token grid is the patchify stem's (stride 2 per
    convolution, ``2 ** len(channels) == patch_size``), so everything after
    it (class token, positional embedding, blocks, patch tokens) is
    unchanged.

    Paper: Xiao et al., "Early Convolutions Help Transformers See Better",
    NeurIPS 2021 (the "ViT_C" stem: it trains faster and more stably than
    patchify on small data).

    Shapes: [B, 3, H, W] -> [B, width, H / patch_size, W / patch_size].

    Args:
        channels (Sequence[int]): output channels of each stride-2
            convolution, e.g. ``(8, 16, 32, 64)`` for patch size 16.
        width (int): the transformer width (channels of the tokens).
        patch_size (int): the ViT's patch size, which the stem must equal.
    """

    def __init__(self, channels: Sequence[int], width: int,
                 patch_size: int):
        channels = list(channels)
        if not channels or 2**len(channels) != patch_size:
            raise ValueError(
                f'vision_cfg.conv_stem={channels}: one stride-2 convolution '
                f'per halving, so patch_size={patch_size} needs '
                f'{patch_size.bit_length() - 1} channel counts '
                f'(2 ** len(conv_stem) == patch_size)')
        layers, in_channels = [], 3
        for out_channels in channels:
            layers += [
                nn.Conv2d(in_channels, out_channels, 3, stride=2, padding=1,
                          bias=False),
                nn.BatchNorm2d(out_channels),
                nn.ReLU(inplace=True),
            ]
            in_channels = out_channels
        layers.append(nn.Conv2d(in_channels, width, 1))
        super().__init__(*layers)

