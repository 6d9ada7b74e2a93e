"""Hold out part of a training list for model selection (Cole et al.)."""
import numbers

import numpy as np

from ..utils.checks import check_choice

HOLDOUT_PARTS = ('train', 'val')


def holdout_indices(num_images: int,
                    part: str,
                    fraction: float = 0.2,
                    seed: int = 1200) -> np.ndarray:
    """Rows of one part of a random train/val split of ``num_images`` rows.

    The published single-positive protocol (Cole et al., CVPR 2021) splits
    the official training list: ``n_val = round(fraction * N)``,
    ``perm = np.random.RandomState(seed).permutation(N)``; the val part is
    ``sorted(perm[-n_val:])`` and the train part ``sorted(perm[:N - n_val])``.
    Observed labels are drawn over the whole list before the split, so both
    parts keep the rows they had.

    Args:
        num_images (int): N, the length of the list being split.
        part (str): ``'train'`` or ``'val'``.
        fraction (float): Fraction held out for val, in (0, 1).
            Defaults to 0.2.
        seed (int): Seed of the permutation. Defaults to 1200.

    Returns:
        np.ndarray: Sorted row indices of the part.
    """
    check_choice('holdout', 'part', part, HOLDOUT_PARTS)
    if (isinstance(fraction, bool) or not isinstance(fraction, numbers.Real)
            or not 0 < fraction < 1):
        raise ValueError('holdout: `fraction` must be a number in (0, 1), '
                         f'got {fraction!r}')
    if (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
            or not 0 <= seed < 2**32):
        raise ValueError('holdout: `seed` must be an integer in [0, 2**32), '
                         f'got {seed!r}')
    num_val = int(round(fraction * num_images))
    perm = np.random.RandomState(seed).permutation(num_images)
    rows = perm[num_images - num_val:] if part == 'val' else \
        perm[:num_images - num_val]
    return np.sort(rows)
