from typing import Tuple

import torch
import torch.nn.functional as F


def resize_pos_embed(pos_embed: torch.Tensor, src_grid: Tuple[int, int],
                     dst_grid: Tuple[int, int]) -> torch.Tensor:
    """Resize a [1 + h*w, C] positional embedding to another grid.

    The first row (class / mean token) is kept; the grid rows are resized
    bicubically (``align_corners=False``), as CLIP-based multi-label methods
    do for inputs other than 224.

    Args:
        pos_embed (Tensor): [1 + h*w, C] with (h, w) = ``src_grid``.
        src_grid (tuple): grid the embedding was trained for.
        dst_grid (tuple): grid of the current input.

    Returns:
        Tensor: [1 + H*W, C] with (H, W) = ``dst_grid``.
    """
    if tuple(src_grid) == tuple(dst_grid):
        return pos_embed
    first, grid = pos_embed[:1], pos_embed[1:]
    channels = grid.shape[-1]
    grid = grid.reshape(1, src_grid[0], src_grid[1], channels)
    grid = grid.permute(0, 3, 1, 2)  # [1, C, h, w]
    grid = F.interpolate(grid.float(), size=tuple(dst_grid), mode='bicubic',
                         align_corners=False).to(pos_embed.dtype)
    grid = grid.permute(0, 2, 3, 1).reshape(-1, channels)  # [H*W, C]
    return torch.cat([first, grid], dim=0)
