"""Per-class and overall precision / recall / F1 (CP, CR, CF1, OP, OR, OF1).

The definitions of ML-GCN and SSGRL, used by most multi-label papers since:
with N^c_c correctly predicted, N^p_c predicted and N^g_c ground-truth
positives of class c over C classes,

- CP = mean_c N^c_c / N^p_c, CR = mean_c N^c_c / N^g_c,
  CF1 = 2 CP CR / (CP + CR) (from the averaged P and R, not the mean of
  per-class F1s);
- OP = sum_c N^c_c / sum_c N^p_c, OR = sum_c N^c_c / sum_c N^g_c,
  OF1 = 2 OP OR / (OP + OR).

A class is predicted positive when its score is >= ``thr``; with ``topk``
it must also be among the image's k highest scores (ML-GCN's top-3 variant:
top-k *and* above the threshold). Ignored entries (target 0) count neither
as predictions nor as positives. A 0/0 ratio (a class never predicted, or
without positives) counts as 0 and stays in the class mean, like
scikit-learn's macro average with ``zero_division=0``.
"""
from typing import Dict, Optional

import numpy as np

from .utils import ArrayLike, check_scores_targets, f1_from, safe_div, \
    topk_mask

PRF_KEYS = ('CP', 'CR', 'CF1', 'OP', 'OR', 'OF1')


def precision_recall_f1(scores: ArrayLike,
                        targets: ArrayLike,
                        thr: float = 0.5,
                        topk: Optional[int] = None) -> Dict[str, float]:
    """CP, CR, CF1, OP, OR and OF1 in percent.

    Args:
        scores (np.ndarray | torch.Tensor): [N, C] scores (probabilities when
            ``thr=0.5``).
        targets (np.ndarray | torch.Tensor): [N, C] targets in
            {+1 positive, -1 negative, 0 ignore}.
        thr (float): Scores >= ``thr`` are predicted positive.
            Defaults to 0.5.
        topk (int, optional): If given, only the ``topk`` highest scores of
            each image can be predicted positive. Defaults to None.

    Returns:
        dict[str, float]: Keys ``CP, CR, CF1, OP, OR, OF1``.
    """
    scores, targets = check_scores_targets(scores, targets)
    predicted = scores >= thr
    if topk is not None:
        predicted &= topk_mask(scores, topk)
    valid = targets != 0
    predicted &= valid
    positive = targets == 1
    correct = (predicted & positive).sum(0)  # [C]
    num_pred = predicted.sum(0)
    num_pos = positive.sum(0)

    cp = float(np.mean(safe_div(correct, num_pred))) if correct.size else 0.
    cr = float(np.mean(safe_div(correct, num_pos))) if correct.size else 0.
    op = safe_div(correct.sum(), num_pred.sum())
    o_r = safe_div(correct.sum(), num_pos.sum())
    values = (cp, cr, f1_from(cp, cr), op, o_r, f1_from(op, o_r))
    return {key: value * 100 for key, value in zip(PRF_KEYS, values)}
