"""Per-class decision thresholds: fitted on a validation split, stored
beside the checkpoint, applied by the inferencer, ``tools/infer.py`` and
the F1 metrics.

A model scores every class on one scale, but one cut-off for all classes
(``score >= 0.5``) suits rare and frequent, easy and hard classes alike
badly. :func:`fit_class_thresholds` chooses one threshold per class on a
split with labels, by default the one of maximum F1 of that class; with a
target precision, the lowest threshold whose precision reaches it (the
most recall at that precision). Classes without a positive in the fitting
split keep the default and are reported.

The thresholds live in a JSON file beside the checkpoint
(:func:`thresholds_file_of`: ``epoch_12.pth`` ->
``epoch_12.thresholds.json``) with the class names they belong to and the
dataset split they were fitted on, so that they are matched to a
vocabulary by name and never used to evaluate that same split
(:func:`check_not_fitted_on`).
"""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

THRESHOLDS_SUFFIX = '.thresholds.json'


def _best_f1_threshold(scores: np.ndarray, positive: np.ndarray,
                       target_precision: Optional[float]
                       ) -> Tuple[Optional[float], float, float]:
    """One class: the threshold and its (F1, precision) on these scores.

    Candidate thresholds are the distinct scores (predict ``score >= t``).
    The chosen one is moved half-way down to the next lower distinct score,
    so that a slightly lower score of a new image counts the same.

    Args:
        scores (np.ndarray): [M] scores of the class's known entries.
        positive (np.ndarray): [M] bool, which of them are positives.
        target_precision (float, optional): See :func:`fit_class_thresholds`.

    Returns:
        tuple: (threshold or None if the target precision is out of reach,
        F1, precision) at that threshold.
    """
    order = np.argsort(-scores, kind='stable')
    sorted_scores, sorted_pos = scores[order], positive[order]
    true_pos = np.cumsum(sorted_pos)  # [M] with the top k+1 predicted
    # only the last entry of a run of equal scores is a possible cut
    last = np.r_[sorted_scores[1:] != sorted_scores[:-1], True]
    idx = np.nonzero(last)[0]
    predicted = idx + 1
    tp = true_pos[idx]
    precision = tp / predicted
    f1 = 2 * tp / (predicted + positive.sum())
    if target_precision is None:
        best = int(np.argmax(f1))  # first maximum: the highest threshold
    else:
        reach = np.nonzero(precision >= target_precision)[0]
        if not reach.size:
            return None, 0., 0.
        best = int(reach[-1])  # lowest threshold: the most recall
    cut = idx[best]
    threshold = sorted_scores[cut]
    if cut + 1 < len(sorted_scores):
        threshold = (threshold + sorted_scores[cut + 1]) / 2
    return float(threshold), float(f1[best]), float(precision[best])


def fit_class_thresholds(scores, targets, default: float = 0.5,
                         target_precision: Optional[float] = None) -> dict:
    """Fit one threshold per class.

    Args:
        scores (array-like): [N, C] scores of a split with labels.
        targets (array-like): [N, C] in {+1 positive, -1 negative,
            0 unknown}; unknown entries are left out.
        default (float): The threshold of classes that cannot be fitted
            (no positive, or the target precision out of reach).
            Defaults to 0.5.
        target_precision (float, optional): Instead of the maximum F1, the
            lowest threshold whose precision is at least this (in [0, 1]).

    Returns:
        dict: ``thresholds`` ([C] list), ``f1`` and ``precision`` ([C], on
        the fitting split; None for a class kept at the default),
        ``no_positives`` and ``unreachable`` (class indices kept at the
        default), ``default`` and ``objective``.
    """
    scores = np.asarray(scores, dtype=np.float64)
    targets = np.asarray(targets)
    if scores.ndim != 2 or scores.shape != targets.shape:
        raise ValueError(f'scores {scores.shape} and targets {targets.shape} '
                         'must both be [N, C]')
    if target_precision is not None and not 0 < target_precision <= 1:
        raise ValueError(f'target_precision must be in (0, 1], got '
                         f'{target_precision}')
    num_classes = scores.shape[1]
    thresholds = [float(default)] * num_classes
    f1s: List[Optional[float]] = [None] * num_classes
    precisions: List[Optional[float]] = [None] * num_classes
    no_positives, unreachable = [], []
    for c in range(num_classes):
        known = targets[:, c] != 0
        positive = targets[known, c] == 1
        if not positive.any():
            no_positives.append(c)
            continue
        thr, f1, precision = _best_f1_threshold(scores[known, c], positive,
                                                target_precision)
        if thr is None:
            unreachable.append(c)
            continue
        thresholds[c], f1s[c], precisions[c] = thr, f1, precision
    objective = 'max F1 per class' if target_precision is None else \
        f'precision >= {target_precision}, most recall'
    return dict(thresholds=thresholds, f1=f1s, precision=precisions,
                no_positives=no_positives, unreachable=unreachable,
                default=float(default), objective=objective)


def thresholds_file_of(checkpoint: str) -> str:
    """The thresholds file that belongs to ``checkpoint``:
    ``work_dirs/x/epoch_12.pth`` -> ``work_dirs/x/epoch_12.thresholds.json``.
    """
    root, ext = osp.splitext(checkpoint)
    return (root if ext in ('.pth', '.pt', '.ckpt') else checkpoint) + \
        THRESHOLDS_SUFFIX


def save_class_thresholds(path: str, classes: Sequence[str], fitted: dict,
                          fitted_on: dict, **extra) -> None:
    """Write fitted thresholds as JSON.

    Args:
        path (str): Output file (see :func:`thresholds_file_of`).
        classes (Sequence[str]): The C class names, in score order.
        fitted (dict): What :func:`fit_class_thresholds` returned.
        fitted_on (dict): The fitting split: its dataset config.
        **extra: More fields to record (e.g. ``checkpoint``).
    """
    data = dict(
        classes=list(classes),
        thresholds=dict(zip(classes, fitted['thresholds'])),
        default=fitted['default'],
        objective=fitted['objective'],
        fitted_on=fitted_on,
        f1_on_fitting_split=dict(zip(classes, fitted['f1'])),
        kept_default_no_positives=[classes[c]
                                   for c in fitted['no_positives']],
        kept_default_unreachable=[classes[c] for c in fitted['unreachable']],
        **extra)
    with open(path, 'w') as f:
        json.dump(data, f, indent=1, default=str)


def load_class_thresholds(path: str) -> dict:
    """Read a thresholds file (:func:`save_class_thresholds`).

    Returns:
        dict: Its content; ``thresholds`` maps class name -> threshold.
    """
    try:
        with open(path) as f:
            data = json.load(f)
    except (OSError, ValueError) as err:
        raise ValueError(f'class thresholds file {path!r}: cannot be read '
                         f'({err})') from err
    if not isinstance(data, dict) or not isinstance(
            data.get('thresholds'), dict):
        raise ValueError(f'class thresholds file {path!r}: expected a JSON '
                         'object with "thresholds": {class name: value}')
    data['path'] = path
    return data


def thresholds_for(classes: Sequence[str], data: dict,
                   default: Optional[float] = None) -> np.ndarray:
    """The [C] thresholds of a vocabulary, by class name; classes the file
    does not hold get ``default`` (else the file's default)."""
    fallback = data.get('default', 0.5) if default is None else default
    table: Dict[str, float] = data['thresholds']
    return np.array([float(table.get(name, fallback)) for name in classes])


def _canonical(dataset_cfg) -> str:
    if hasattr(dataset_cfg, 'to_dict'):
        dataset_cfg = dataset_cfg.to_dict()
    dataset_cfg = {k: v for k, v in dict(dataset_cfg).items()
                   if k not in ('pipeline', 'lazy_init')}
    return json.dumps(dataset_cfg, sort_keys=True, default=str)


def check_not_fitted_on(data: dict, dataset_cfg, where: str) -> None:
    """Refuse to evaluate thresholds on the split they were fitted on.

    Args:
        data (dict): A loaded thresholds file.
        dataset_cfg (dict): The dataset config of the evaluated split.
        where (str): The evaluated split, for the message.

    Raises:
        ValueError: The file's ``fitted_on`` is that dataset.
    """
    fitted_on = data.get('fitted_on')
    if fitted_on and _canonical(fitted_on) == _canonical(dataset_cfg):
        raise ValueError(
            f'class thresholds {data.get("path", "")!r} were fitted on the '
            f'split {where} evaluates ({_canonical(dataset_cfg)}); fit them '
            'on another split (tools/analysis_tools/fit_thresholds.py '
            '--split val) or evaluate another one')
