"""Helpers shared by the dataset check scripts (check_coco.py, check_voc.py).

Kept next to the scripts, which import it as a sibling module.
"""
import os.path as osp
import sys
from functools import partial
from typing import Dict, List, Sequence, Tuple

import numpy as np
from mmengine.utils import track_parallel_progress, track_progress
from PIL import Image

# How many paths of each problem kind a report prints.
SHOWN_PATHS = 10


def check_one_image(path: str, decode: bool = True) -> str:
    """Return '' when the image is fine, else what is wrong with it."""
    if not osp.isfile(path):
        return 'missing'
    if decode:
        try:
            with Image.open(path) as image:
                image.load()
        except Exception as err:  # PIL raises many types on broken files
            return f'unreadable ({type(err).__name__}: {err})'
    return ''


def check_images(paths: Sequence[str],
                 decode: bool = True,
                 workers: int = 1) -> Tuple[List[str], List[str]]:
    """Check that image files exist and (optionally) decode.

    Args:
        paths (Sequence[str]): The image files.
        decode (bool): Decode each file with PIL to find broken ones.
            Defaults to True.
        workers (int): Processes to check with. Defaults to 1.

    Returns:
        tuple: The missing paths and the unreadable ones (each
        ``'path: reason'``).
    """
    if not paths:
        return [], []
    sys.stdout.flush()  # keep the report and the progress bar in order
    check = partial(check_one_image, decode=decode)
    if workers > 1:
        results = track_parallel_progress(
            check, list(paths), workers, chunksize=64, file=sys.stderr)
    else:
        results = track_progress(check, list(paths), file=sys.stderr)
    missing = [p for p, result in zip(paths, results) if result == 'missing']
    unreadable = [
        f'{p}: {result}' for p, result in zip(paths, results)
        if result and result != 'missing'
    ]
    return missing, unreadable


def report_problems(prefix: str, kind: str, items: Sequence[str]) -> None:
    """Print how many ``items`` have a problem and the first few."""
    if not items:
        return
    print(f'{prefix} {len(items)} {kind}:')
    for item in items[:SHOWN_PATHS]:
        print(f'{prefix}   {item}')
    if len(items) > SHOWN_PATHS:
        print(f'{prefix}   ... and {len(items) - SHOWN_PATHS} more')


def print_class_table(classes: Sequence[str],
                      columns: Dict[str, np.ndarray]) -> None:
    """Print one row per class and one column of counts per entry.

    Args:
        classes (Sequence[str]): The C class names.
        columns (dict[str, np.ndarray]): Column title -> [C] counts.
    """
    if not columns:
        return
    width = max(len(name) for name in classes)
    titles = list(columns)
    widths = [max(len(title), 7) for title in titles]
    print('  '.join([f'{"class":<{width}}'] +
                    [f'{t:>{w}}' for t, w in zip(titles, widths)]))
    for col, name in enumerate(classes):
        cells = [
            f'{int(columns[t][col]):>{w}}' for t, w in zip(titles, widths)
        ]
        print('  '.join([f'{name:<{width}}'] + cells))
