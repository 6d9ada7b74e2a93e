"""Helpers shared by the metric functions and metric classes.

Targets everywhere in this package are [N, C] matrices in {+1 positive,
-1 negative, 0 ignore} (e.g. VOC "difficult"), the values of the datasets'
``full_label``.
"""
from typing import Tuple, Union

import numpy as np
import torch

ArrayLike = Union[np.ndarray, torch.Tensor]


def to_numpy(value: ArrayLike) -> np.ndarray:
    """Return ``value`` (array, tensor or nested list) as a numpy array."""
    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def check_scores_targets(scores: ArrayLike,
                         targets: ArrayLike) -> Tuple[np.ndarray, np.ndarray]:
    """Check and convert a score matrix and its target matrix.

    Args:
        scores (np.ndarray | torch.Tensor): [N, C] scores; higher means more
            likely positive.
        targets (np.ndarray | torch.Tensor): [N, C] targets in
            {+1 positive, -1 negative, 0 ignore}.

    Returns:
        tuple[np.ndarray, np.ndarray]: [N, C] float64 scores and [N, C] int8
        targets.
    """
    scores = to_numpy(scores).astype(np.float64)
    targets = to_numpy(targets)
    if scores.ndim != 2:
        raise ValueError(f'`scores` must have shape [N, C], got '
                         f'{list(scores.shape)}')
    if targets.shape != scores.shape:
        raise ValueError(f'`targets` has shape {list(targets.shape)}, '
                         f'expected {list(scores.shape)} like `scores`')
    bad = ~np.isin(targets, (-1, 0, 1))
    if bad.any():
        raise ValueError('`targets` must hold +1 (positive), -1 (negative) '
                         f'or 0 (ignore), got {targets[bad][0]!r}')
    if np.isnan(scores).any():
        raise ValueError('`scores` contains NaN')
    return scores, targets.astype(np.int8)


def check_positive_int(value: int, name: str) -> None:
    """Raise ValueError naming ``name`` unless ``value`` is an int >= 1."""
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) \
            or value < 1:
        raise ValueError(f'`{name}` must be a positive int, got {value!r}')


def check_k(k: int, num_classes: int, name: str = 'k') -> None:
    """Check that a top-k size is a positive int not above the class count."""
    check_positive_int(k, name)
    if k > num_classes:
        raise ValueError(f'`{name}`={k} is larger than the number of classes '
                         f'C={num_classes} of the scores')


def topk_mask(scores: np.ndarray, k: int) -> np.ndarray:
    """Mark the k highest scores of every row.

    Ties at the k-th place go to the lower class index (a stable sort), so
    the result does not depend on the sorting backend.

    Args:
        scores (np.ndarray): [N, C] scores.
        k (int): Number of classes kept per row, 1 <= k <= C.

    Returns:
        np.ndarray: [N, C] bool, exactly k True entries per row.
    """
    check_k(k, scores.shape[1])
    order = np.argsort(-scores, axis=1, kind='stable')[:, :k]  # [N, k]
    mask = np.zeros(scores.shape, dtype=bool)
    np.put_along_axis(mask, order, True, axis=1)
    return mask


def safe_div(num: Union[float, np.ndarray],
             den: Union[float, np.ndarray]) -> Union[float, np.ndarray]:
    """``num / den`` with 0 where ``den`` is 0 (0/0 counts as 0)."""
    num = np.asarray(num, dtype=np.float64)
    den = np.asarray(den, dtype=np.float64)
    out = np.divide(num, den, out=np.zeros(np.broadcast(num, den).shape),
                    where=den != 0)
    return out if out.ndim else float(out)


def f1_from(precision: float, recall: float) -> float:
    """Harmonic mean of precision and recall; 0 when both are 0."""
    return safe_div(2 * precision * recall, precision + recall)


def sample_score_target(data_sample: dict) -> Tuple[torch.Tensor,
                                                    torch.Tensor]:
    """Read the scores and the target vector of one predicted data sample.

    The target is the sample's ``full_label`` (values in {+1, -1, 0 ignore})
    when it has one; otherwise it is built from ``gt_label`` (the positive
    class indices): +1 at the listed classes, -1 elsewhere.

    Args:
        data_sample (dict): A data sample as metrics receive it, with
            ``pred_score`` ([C] scores) and ``full_label`` or ``gt_label``.

    Returns:
        tuple[torch.Tensor, torch.Tensor]: [C] float64 scores (the heads'
        float64 sigmoids keep their ranking; float32 would tie them again)
        and [C] int8 target, both on the CPU.
    """
    if 'pred_score' not in data_sample:
        raise KeyError('the data sample has no `pred_score`; expected the '
                       '[C] class scores that the head\'s `predict` fills')
    score = torch.as_tensor(data_sample['pred_score']).detach().cpu()
    if score.ndim != 1:
        raise ValueError('`pred_score` of a data sample must have shape [C], '
                         f'got {list(score.shape)}')
    num_classes = score.numel()
    if 'full_label' in data_sample:
        target = torch.as_tensor(to_numpy(data_sample['full_label']))
        if target.shape != score.shape:
            raise ValueError(f'`full_label` has shape {list(target.shape)} '
                             f'but `pred_score` has {num_classes} classes; '
                             'expected one label per scored class')
    elif 'gt_label' in data_sample:
        indices = torch.as_tensor(to_numpy(data_sample['gt_label']))
        indices = indices.long().flatten()
        if indices.numel() and (indices.min() < 0
                                or indices.max() >= num_classes):
            raise ValueError(f'`gt_label` holds class indices '
                             f'{indices.tolist()}, expected indices in '
                             f'[0, {num_classes}) for the {num_classes} '
                             'classes of `pred_score`')
        target = torch.full((num_classes, ), -1, dtype=torch.int8)
        target[indices] = 1
    else:
        raise KeyError('the data sample has neither `full_label` nor '
                       '`gt_label`; pack `full_label` with '
                       "dict(type='PackInputs', algorithm_keys=("
                       "'full_label', ))")
    return score.double(), target.to(torch.int8)
