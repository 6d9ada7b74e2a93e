"""Pointing game of class heatmaps against object masks, by hand."""
import math

import numpy as np
import pytest

from mmpretrain_mlr.evaluation.localisation import (cells_touched,
                                                    pointing_pairs,
                                                    summarise_pointing)


def test_cells_touched_on_a_2x2_grid_over_4x4():
    mask = np.zeros((4, 4), bool)
    mask[0, 3] = True  # top-right cell
    mask[3, 0] = True  # bottom-left cell
    np.testing.assert_array_equal(
        cells_touched(mask, (2, 2)), [[False, True], [True, False]])


def test_pointing_pairs_by_hand():
    # class 0: an object in the top-left 2 x 2 pixels (one cell of four,
    # 4 / 16 of the image); class 2: the whole bottom row (two cells)
    masks = {0: np.zeros((4, 4), bool), 2: np.zeros((4, 4), bool)}
    masks[0][:2, :2] = True
    masks[2][3, :] = True
    heatmaps = np.zeros((3, 2, 2))
    heatmaps[0] = [[0.7, 0.1], [0.1, 0.1]]  # peak on its object: hit
    heatmaps[1] = [[0.0, 1.0], [0.0, 0.0]]  # class absent: not scored
    heatmaps[2] = [[0.4, 0.3], [0.2, 0.1]]  # peak on the top row: miss
    pairs = pointing_pairs(heatmaps, masks)
    assert pairs == [
        dict(column=0, hit=True, uniform=0.25, area=0.25),
        dict(column=2, hit=False, uniform=0.5, area=0.25),
    ]
    rows = summarise_pointing(pairs, bins=(('small', 0, 0.3),
                                           ('large', 0.3, 1.1)))
    assert rows[0] == dict(name='all', pairs=2, hit_rate=50.0, uniform=37.5)
    assert rows[1] == dict(name='small', pairs=2, hit_rate=50.0,
                           uniform=37.5)
    assert rows[2]['pairs'] == 0 and math.isnan(rows[2]['hit_rate'])


def test_uniform_baseline_is_the_hit_rate_of_random_peaks():
    rng = np.random.RandomState(0)
    mask = np.zeros((8, 8), bool)
    mask[1:3, 5:8] = True
    pairs = [pointing_pairs(rng.rand(1, 4, 4), {0: mask})[0]
             for _ in range(4000)]
    hit = np.mean([p['hit'] for p in pairs])
    assert hit == pytest.approx(pairs[0]['uniform'], abs=0.03)
    assert pairs[0]['uniform'] == pytest.approx(4 / 16)
