"""Per-class results with class names: rows, a log table and a CSV file."""
import csv
import math
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger

from .average_precision import per_class_average_precision


def class_names_for(dataset_meta: Optional[dict],
                    num_classes: int) -> List[str]:
    """The dataset's ``classes`` when they fit the C score columns, else
    ``'class <i>'`` (with a warning if the dataset names another number)."""
    names = list((dataset_meta or {}).get('classes') or ())
    if len(names) == num_classes:
        return [str(n) for n in names]
    if names:
        MMLogger.get_current_instance().warning(
            f'per-class results: the dataset names {len(names)} classes but '
            f'`pred_score` has {num_classes} columns; classes are numbered')
    return [f'class {i}' for i in range(num_classes)]


def per_class_rows(names: Sequence[str], scores: np.ndarray,
                   targets: np.ndarray, convention: str,
                   unseen: Optional[np.ndarray] = None) -> List[dict]:
    """One row per class: ``index``, ``name``, ``AP`` (%, NaN where the
    convention leaves the class out), ``positives`` (images with target
    +1) and, with ``unseen``, ``split`` ('seen' / 'unseen').

    Args:
        names (Sequence[str]): C class names.
        scores (np.ndarray): [N, C] scores.
        targets (np.ndarray): [N, C] targets in {+1, -1, 0 ignore}.
        convention (str): mAP convention of the APs.
        unseen (np.ndarray, optional): indices of the unseen columns.

    Returns:
        list[dict]: C rows in column order.
    """
    aps = per_class_average_precision(scores, targets, convention) * 100
    positives = (targets == 1).sum(axis=0)
    unseen = set() if unseen is None else {int(i) for i in unseen}
    rows = []
    for c, name in enumerate(names):
        row = dict(index=c, name=name, AP=float(aps[c]),
                   positives=int(positives[c]))
        if unseen:
            row['split'] = 'unseen' if c in unseen else 'seen'
        rows.append(row)
    return rows


def _worst_first(rows: List[dict]) -> List[dict]:
    return sorted(rows, key=lambda r: (math.isnan(r['AP']), r['AP']))


def format_table(rows: List[dict], max_rows: int) -> str:
    """The worst ``max_rows`` classes by AP as an aligned text table
    (classes without an AP last)."""
    keys = [k for k in ('name', 'AP', 'positives', 'split') if k in rows[0]]
    shown = _worst_first(rows)[:max_rows]
    cells = [[k if k != 'AP' else 'AP (%)' for k in keys]]
    for row in shown:
        cells.append([f'{row[k]:.2f}' if k == 'AP' else str(row[k])
                      for k in keys])
    widths = [max(len(line[i]) for line in cells) for i in range(len(keys))]
    lines = ['  '.join(cell.ljust(w) if i == 0 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(line, widths)))
             for line in cells]
    lines.insert(1, '  '.join('-' * w for w in widths))
    return '\n'.join(lines)


def write_csv(rows: List[dict], path: str) -> None:
    """Write the rows (column order) to a CSV file."""
    with open(path, 'w', newline='') as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow(dict(row, AP=f"{row['AP']:.4f}"))


def report_per_class(rows: List[dict], prefix: str,
                     max_rows: int = 20) -> Optional[str]:
    """Log the worst classes and write all rows to
    ``per_class_<prefix>.csv`` next to the run's log file (rewritten at each
    evaluation; no file when the logger writes none).

    Args:
        rows (list[dict]): from :func:`per_class_rows`.
        prefix (str): the metric's prefix, e.g. ``'multi-label'``.
        max_rows (int): classes shown in the log. Defaults to 20.

    Returns:
        str or None: the CSV path.
    """
    logger = MMLogger.get_current_instance()
    path = None
    log_file = getattr(logger, 'log_file', None)
    if log_file:
        path = osp.join(osp.dirname(log_file),
                        f"per_class_{prefix.replace('/', '_')}.csv")
        write_csv(rows, path)
    shown = min(max_rows, len(rows))
    title = (f'{prefix}: per-class AP, the {shown} lowest of {len(rows)} '
             'classes' if shown < len(rows) else
             f'{prefix}: per-class AP, lowest first')
    where = f' (all classes: {path})' if path else ''
    logger.info(f'{title}{where}\n{format_table(rows, max_rows)}')
    return path


def named_scalars(rows: List[dict]) -> Dict[str, float]:
    """``{'AP/<name>': AP}`` for the classes that have an AP."""
    return {f"AP/{row['name']}": row['AP'] for row in rows
            if not math.isnan(row['AP'])}
