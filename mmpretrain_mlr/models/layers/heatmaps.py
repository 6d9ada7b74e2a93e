"""Per-class weights over dense tokens as maps over the image grid."""
import math
from typing import Sequence, Tuple

import torch


def token_grid(num_tokens: int, image_size: Sequence[int]) -> Tuple[int, int,
                                                                     int]:
    """Where the grid tokens are among ``num_tokens`` dense tokens.

    CLIP ViTs give the h * w patch tokens; CLIP ResNets (``CLIPImageEncoder``
    with ``rn_mean_token=True``) give the mean token first, then the h * w
    grid tokens. The grid keeps the image's aspect ratio.

    Args:
        num_tokens (int): N, the number of dense tokens.
        image_size (Sequence[int]): (H, W) of the network input.

    Returns:
        tuple[int, int, int]: the index of the first grid token (0 or 1),
        h and w.
    """
    height, width = int(image_size[0]), int(image_size[1])
    for first in (0, 1):
        cells = num_tokens - first
        if cells <= 0:
            continue
        stride = math.sqrt(height * width / cells)
        h, w = max(1, round(height / stride)), max(1, round(width / stride))
        if h * w == cells:
            return first, h, w
    raise ValueError(f'{num_tokens} dense tokens are neither an h x w grid '
                     f'nor a mean token and an h x w grid for an input of '
                     f'{height} x {width}; expected h / w = H / W')


def tokens_to_heatmaps(weights: torch.Tensor,
                       image_size: Sequence[int]) -> torch.Tensor:
    """Per-class token weights [B, C, N] as maps [B, C, h, w].

    A ResNet's mean token is left out; each map is then renormalised to sum
    1 over its h * w cells, so maps of different methods read the same way:
    the share of the class's attention on each location.

    Args:
        weights (Tensor): non-negative weights [B, C, N] over the dense
            tokens (e.g. a softmax over N).
        image_size (Sequence[int]): (H, W) of the network input.

    Returns:
        Tensor: [B, C, h, w], each map summing to 1.
    """
    b, c, n = weights.shape
    first, h, w = token_grid(n, image_size)
    grid = weights[..., first:].float()  # [B, C, h*w]
    grid = grid / grid.sum(-1, keepdim=True).clamp_min(1e-12)
    return grid.reshape(b, c, h, w)
