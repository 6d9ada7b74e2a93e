"""Micro precision / recall / F1 at top-k, the zero-shot multi-label measure.

The k highest-scoring classes of every image are predicted (Fast0Tag, LESA,
BiAM, MKT): with TP the correct predictions over all N images,

    P@k = TP / (N k),  R@k = TP / (number of positives),
    F1@k = 2 P R / (P + R).

As in those codes, a top-k slot on an ignored entry (target 0) is a
prediction that is not a true positive, so N k is always the denominator of
P. Ties at the k-th place go to the lower class index.
"""
from typing import Dict

from .utils import ArrayLike, check_scores_targets, f1_from, safe_div, \
    topk_mask


def topk_precision_recall_f1(scores: ArrayLike, targets: ArrayLike,
                             k: int) -> Dict[str, float]:
    """P@k, R@k and F1@k in percent.

    Args:
        scores (np.ndarray | torch.Tensor): [N, C] scores.
        targets (np.ndarray | torch.Tensor): [N, C] targets in
            {+1 positive, -1 negative, 0 ignore}.
        k (int): Number of classes predicted per image, 1 <= k <= C.

    Returns:
        dict[str, float]: Keys ``P@k, R@k, F1@k`` with the value of k, e.g.
        ``P@3``. R@k (and F1@k) is 0 when there is no positive.
    """
    scores, targets = check_scores_targets(scores, targets)
    positive = targets == 1
    true_pos = (topk_mask(scores, k) & positive).sum()
    precision = safe_div(true_pos, scores.shape[0] * k)
    recall = safe_div(true_pos, positive.sum())
    return {
        f'P@{k}': precision * 100,
        f'R@{k}': recall * 100,
        f'F1@{k}': f1_from(precision, recall) * 100,
    }
