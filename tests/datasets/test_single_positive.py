import numpy as np
import pytest

from mmpretrain_mlr.datasets import SinglePositiveLabels


def random_full(n=200, c=12, seed=3):
    full = np.where(np.random.RandomState(seed).rand(n, c) < 0.2, 1, -1)
    full[5] = -1  # an image without positives
    return full.astype(np.int8)


def cole_reference(full, seed=1200):
    """The published process, written with ``permutation`` instead of
    in-place ``shuffle`` (the same draws): per image, a permutation of the
    positive indices (first kept), then one of the negative indices."""
    rng = np.random.RandomState(seed)
    observed = np.zeros(full.shape, dtype=np.int8)
    for i in range(full.shape[0]):
        positives = rng.permutation(np.flatnonzero(full[i] == 1))
        rng.permutation(np.flatnonzero(full[i] == -1))  # drawn, unused
        observed[i, positives[:1]] = 1
    return observed


def test_equals_the_published_process():
    full = random_full()
    keys = [str(i) for i in range(len(full))]
    observed = SinglePositiveLabels()(full, keys)
    assert np.array_equal(observed, cole_reference(full))


def test_one_known_positive_per_image_and_no_negatives():
    full = random_full()
    observed = SinglePositiveLabels()(full, [str(i) for i in range(200)])
    has_positive = (full == 1).any(1)
    assert ((observed == 1).sum(1) == has_positive).all()
    assert (observed != -1).all()
    assert (full[observed == 1] == 1).all()  # only true positives kept
    # the negatives' shuffle matters: skipping it changes the choices
    rng = np.random.RandomState(1200)
    without = [rng.permutation(np.flatnonzero(r == 1))[:1] for r in full]
    picks = [np.flatnonzero(r == 1) for r in observed]
    assert any(not np.array_equal(a, b) for a, b in zip(without, picks))


def test_negatives_and_all_option():
    full = random_full()
    keys = [str(i) for i in range(200)]
    observed = SinglePositiveLabels(num_pos=-1, num_neg=2)(full, keys)
    assert np.array_equal(observed == 1, full == 1)
    assert ((observed == -1).sum(1) == 2).all()


def test_invalid_counts():
    with pytest.raises(ValueError, match='num_pos'):
        SinglePositiveLabels(num_pos=-2)
