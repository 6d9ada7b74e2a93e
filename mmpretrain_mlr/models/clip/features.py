from typing import NamedTuple

import torch


class ImageFeatures(NamedTuple):
    """What an image encoder returns.

    Attributes:
        global_feat (Tensor): one embedding per image, [B, D].
        dense_feat (Tensor): one embedding per location, [B, N, D].
    """
    global_feat: torch.Tensor
    dense_feat: torch.Tensor
