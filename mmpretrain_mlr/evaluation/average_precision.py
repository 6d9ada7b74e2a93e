"""Per-class average precision and mAP under the published conventions.

Three conventions are in use for multi-label mAP; they agree when every
class has a positive and no entry is ignored, and differ otherwise:

=============  ======================  =====================================
convention     ignored entries (0)     class without a positive
=============  ======================  =====================================
'mmpretrain'   left out                left out of the mean
'ssgrl'        counted as negatives    AP = 0, kept in the mean
'zsl'          left out                AP = 0, kept in the mean
=============  ======================  =====================================

- 'mmpretrain': mmpretrain's ``AveragePrecision`` (which drops target -1 in
  its own {1, 0, -1} coding). mmpretrain's code scores a class without a
  positive 0 and keeps it in the mean; this convention leaves it out.
- 'ssgrl': the partial-label codes (SSGRL, ASL / DualCoOp, Cole et al.).
  Their datasets have no ignore value: a VOC object marked "difficult" is
  simply not in the label vector, so it is a negative. SSGRL's released
  code additionally applies the VOC precision envelope (interpolated AP);
  ASL / DualCoOp / Cole et al. do not, and neither does this function.
- 'zsl': the zero-shot codes (BiAM / MKT, on NUS-WIDE labels in {1, -1} and
  0 for unknown): AP over the entries with label +1 or -1; a class with no
  positive is 0 and still counted.

Ties: tied scores form one threshold (as in scikit-learn's
``average_precision_score``, which Cole et al. use): every positive of a
tied group gets the precision reached at the end of the group. The result
is then independent of the order of the samples. Without ties, the AP is
the mean over positives of the precision at each positive's rank.
"""
import numpy as np

from .utils import ArrayLike, check_scores_targets

MAP_CONVENTIONS = ('mmpretrain', 'ssgrl', 'zsl')


def check_convention(convention: str) -> str:
    """Return ``convention`` if it is known, else raise ValueError."""
    if convention not in MAP_CONVENTIONS:
        raise ValueError(f'unknown mAP convention {convention!r}; expected '
                         f'one of {MAP_CONVENTIONS}')
    return convention


def binary_average_precision(scores: np.ndarray,
                             positives: np.ndarray) -> float:
    """Non-interpolated AP of one ranking, tied scores as one threshold.

    Args:
        scores (np.ndarray): [n] scores.
        positives (np.ndarray): [n] bool, True for a positive.

    Returns:
        float: The AP in [0, 1]; 0 if there is no positive.
    """
    num_pos = int(positives.sum())
    if num_pos == 0:
        return 0.0
    order = np.argsort(-scores, kind='stable')
    sorted_scores = scores[order]
    hits = np.cumsum(positives[order])  # [n] positives ranked so far
    # last position of every group of equal scores
    ends = np.flatnonzero(np.r_[sorted_scores[1:] != sorted_scores[:-1],
                                True])
    hits_at_end = hits[ends]
    new_hits = np.diff(hits_at_end, prepend=0)  # positives in each group
    precision = hits_at_end / (ends + 1)
    return float((new_hits * precision).sum() / num_pos)


def per_class_average_precision(
        scores: ArrayLike,
        targets: ArrayLike,
        convention: str = 'mmpretrain') -> np.ndarray:
    """Average precision of every class (column).

    Args:
        scores (np.ndarray | torch.Tensor): [N, C] scores.
        targets (np.ndarray | torch.Tensor): [N, C] targets in
            {+1 positive, -1 negative, 0 ignore}.
        convention (str): 'mmpretrain', 'ssgrl' or 'zsl', see the module
            docstring. Defaults to 'mmpretrain'.

    Returns:
        np.ndarray: [C] float64 AP in [0, 1]; NaN for a class without a
        positive under 'mmpretrain' (left out of the mean).
    """
    check_convention(convention)
    scores, targets = check_scores_targets(scores, targets)
    aps = np.zeros(scores.shape[1])
    for c in range(scores.shape[1]):
        column = targets[:, c]
        kept = (column != 0) if convention in ('mmpretrain', 'zsl') else \
            np.ones(column.shape, dtype=bool)
        positives = column[kept] == 1
        if convention == 'mmpretrain' and not positives.any():
            aps[c] = np.nan
        else:
            aps[c] = binary_average_precision(scores[kept, c], positives)
    return aps


def mean_average_precision(scores: ArrayLike,
                           targets: ArrayLike,
                           convention: str = 'mmpretrain') -> float:
    """mAP in percent under one of the conventions.

    Args:
        scores (np.ndarray | torch.Tensor): [N, C] scores.
        targets (np.ndarray | torch.Tensor): [N, C] targets in
            {+1 positive, -1 negative, 0 ignore}.
        convention (str): 'mmpretrain', 'ssgrl' or 'zsl', see the module
            docstring. Defaults to 'mmpretrain'.

    Returns:
        float: The mean of the per-class APs times 100. NaN under
        'mmpretrain' if no class has a positive.
    """
    aps = per_class_average_precision(scores, targets, convention)
    counted = aps[~np.isnan(aps)]
    if counted.size == 0:
        return float('nan')
    return float(counted.mean() * 100)
