"""Localisation of class heatmaps against ground-truth object masks.

The pointing game of weakly supervised localisation, on the coarse grids
that region methods attend over: a (image, present class) pair is a hit when
the cell holding the peak of the class's heatmap contains a visible pixel of
an object of that class. A peak drawn uniformly among the cells hits with
probability (cells touching the mask) / (cells): the uniform-map baseline,
computed with the same cells for every pair.
"""
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np

# Size bins by the class's visible area as a share of the image.
SIZE_BINS = (('small (< 1 %)', 0.0, 0.01), ('medium (1-5 %)', 0.01, 0.05),
             ('large (>= 5 %)', 0.05, 1.01))


def cells_touched(mask: np.ndarray, grid: Tuple[int, int]) -> np.ndarray:
    """Which cells of an h x w grid over the image contain a mask pixel.

    Args:
        mask (np.ndarray): [H, W] bool mask over the image.
        grid (tuple[int, int]): (h, w) of the heatmap.

    Returns:
        np.ndarray: [h, w] bool; cell (i, j) covers rows
        ``[i * H / h, (i + 1) * H / h)`` and the columns alike.
    """
    height, width = mask.shape
    h, w = grid
    rows = np.minimum(np.arange(height) * h // height, h - 1)  # [H]
    cols = np.minimum(np.arange(width) * w // width, w - 1)  # [W]
    touched = np.zeros((h, w), bool)
    ys, xs = np.nonzero(mask)
    touched[rows[ys], cols[xs]] = True
    return touched


def pointing_pairs(heatmaps: np.ndarray,
                   class_masks: Dict[int, np.ndarray]) -> List[dict]:
    """Score the heatmaps of one image against its classes' masks.

    Args:
        heatmaps (np.ndarray): [C, h, w] heatmaps of every class.
        class_masks (dict[int, np.ndarray]): ``{class column: [H, W] bool
            visible mask}`` of the classes present in the image.

    Returns:
        list[dict]: per present class: ``column``, ``hit`` (bool),
        ``uniform`` (the baseline's hit probability) and ``area`` (visible
        area as a share of the image).
    """
    pairs = []
    for column, mask in sorted(class_masks.items()):
        heatmap = heatmaps[column]
        touched = cells_touched(mask, heatmap.shape)
        peak = np.unravel_index(int(np.argmax(heatmap)), heatmap.shape)
        pairs.append(
            dict(
                column=int(column),
                hit=bool(touched[peak]),
                uniform=float(touched.mean()),
                area=float(mask.mean())))
    return pairs


def summarise_pointing(pairs: Iterable[dict],
                       bins: Sequence[tuple] = SIZE_BINS) -> List[dict]:
    """Hit rate and uniform baseline overall and per size bin.

    Args:
        pairs (Iterable[dict]): Outputs of :func:`pointing_pairs`.
        bins (Sequence[tuple]): (name, low, high) on the visible area share.

    Returns:
        list[dict]: rows ``name``, ``pairs``, ``hit_rate`` and ``uniform``
        (both in %; NaN for an empty bin), 'all' first.
    """
    pairs = list(pairs)
    rows = []
    for name, low, high in (('all', -1.0, 2.0), ) + tuple(bins):
        chosen = [p for p in pairs if low <= p['area'] < high]
        rows.append(
            dict(
                name=name,
                pairs=len(chosen),
                hit_rate=100 * float(np.mean([p['hit'] for p in chosen]))
                if chosen else float('nan'),
                uniform=100 * float(np.mean([p['uniform'] for p in chosen]))
                if chosen else float('nan')))
    return rows
