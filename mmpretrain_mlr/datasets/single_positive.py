"""The single-positive label protocol of Cole et al. (CVPR 2021)."""
import numbers
from typing import Optional

import numpy as np
from mmpretrain.registry import TASK_UTILS

from .label_protocols import BaseLabelProtocol


def _check_count(value, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) \
            or value < -1:
        raise ValueError(f'SinglePositiveLabels: `{name}` must be an integer '
                         f'>= 0 (or -1 for all), got {name}={value!r}')
    return int(value)


@TASK_UTILS.register_module()
class SinglePositiveLabels(BaseLabelProtocol):
    """Keep ``num_pos`` random positives (and ``num_neg`` random negatives)
    per image; everything else unknown (Cole et al., "Multi-Label Learning
    from Single Positive Labels", CVPR 2021).

    The published observation process: one ``np.random.RandomState(seed)``
    (seed 1200) walks the images in canonical order; for each image it
    shuffles the indices of its positives and keeps the first ``num_pos``,
    then shuffles the indices of its negatives and keeps the first
    ``num_neg``. The negatives are shuffled even when ``num_neg = 0``, which
    advances the generator; this class does the same, so its matrices equal
    the published ones. Images without positives keep no positive. Ignore
    entries (0) of the full labels are neither positive nor negative.

    Args:
        seed (int): Seed of the generator. Defaults to 1200 (the published
            one).
        num_pos (int): Positives kept per image (-1: all). Defaults to 1.
        num_neg (int): Negatives kept per image (-1: all). Defaults to 0.
        cache_file (str, optional): ``.npz`` cache of the observed matrix,
            see :class:`BaseLabelProtocol`. Defaults to None.
    """

    def __init__(self,
                 seed: int = 1200,
                 num_pos: int = 1,
                 num_neg: int = 0,
                 cache_file: Optional[str] = None):
        super().__init__(cache_file=cache_file)
        self.seed = _check_count(seed, 'seed')
        self.num_pos = _check_count(num_pos, 'num_pos')
        self.num_neg = _check_count(num_neg, 'num_neg')

    @property
    def params(self) -> dict:
        return {
            'type': type(self).__name__,
            'seed': self.seed,
            'num_pos': self.num_pos,
            'num_neg': self.num_neg
        }

    def observe(self, full: np.ndarray) -> np.ndarray:
        rng = np.random.RandomState(self.seed)
        observed = np.zeros_like(full, dtype=np.int8)
        for row, labels in zip(observed, full):
            for value, count in ((1, self.num_pos), (-1, self.num_neg)):
                indices = np.nonzero(labels == value)[0]
                rng.shuffle(indices)
                row[indices if count == -1 else indices[:count]] = value
        return observed
