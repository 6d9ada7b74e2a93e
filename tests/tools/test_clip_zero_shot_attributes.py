"""clip_zero_shot_attributes.py: shape and colour APs by hand."""
import numpy as np
import pytest

TOOL = 'clip_zero_shot_attributes'


def test_a_colour_only_scorer_ranks_shapes_no_better_than_chance(script):
    classes = ['red star', 'blue star']
    attributes = [{'red', 'star'}, {'red', 'ring'}, {'blue', 'star'},
                  {'blue', 'circle'}]
    labels = np.array([[1, 0], [0, 0], [0, 1], [0, 0]], bool)
    # scores follow the colour only (a red ring outranks the red star)
    scores = np.array([[0.8, 0.1], [0.9, 0.1], [0.1, 0.8], [0.1, 0.9]])
    aps = script.attribute_aps(scores, labels, classes, attributes)
    # red star: over all images ranked 2nd of 4 -> AP 1/2; over the red
    # images (0, 1) 2nd -> 1/2; over the star images (0, 2) 1st -> 1
    np.testing.assert_allclose(aps['all'], [50, 50])
    np.testing.assert_allclose(aps['shape'], [50, 50])
    np.testing.assert_allclose(aps['colour'], [100, 100])
    rows = dict((r[0], r[1:]) for r in script.group_rows(aps, classes))
    assert rows['all classes'] == pytest.approx((50, 50, 100))
    assert rows['star'] == pytest.approx((50, 50, 100))
    assert set(rows) == {'all classes', 'red', 'blue', 'star'}
