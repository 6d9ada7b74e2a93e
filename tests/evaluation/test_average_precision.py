"""AP / mAP conventions against hand-worked numbers, sklearn and mmpretrain."""
import numpy as np
import pytest
import torch
from mmpretrain.evaluation import AveragePrecision
from sklearn.metrics import average_precision_score

from mmpretrain_mlr.evaluation import (binary_average_precision,
                                       mean_average_precision,
                                       per_class_average_precision)


def test_binary_ap_without_ties():
    # positives at ranks 1, 3, 5: (1/1 + 2/3 + 3/5) / 3 = 34/45
    scores = np.array([0.9, 0.8, 0.7, 0.6, 0.5])
    positives = np.array([True, False, True, False, True])
    assert binary_average_precision(scores, positives) == pytest.approx(34 /
                                                                        45)
    # the order of the samples does not matter
    perm = np.array([3, 0, 4, 2, 1])
    assert binary_average_precision(scores[perm], positives[perm]) == \
        pytest.approx(34 / 45)


def test_binary_ap_ties_form_one_threshold():
    # 0.5 is shared by a positive and a negative: the group ends at rank 3,
    # so its positive gets precision 1/3; the last positive gets 2/4.
    scores = np.array([0.9, 0.5, 0.5, 0.1])
    positives = np.array([False, True, False, True])
    expected = (1 / 3 + 2 / 4) / 2
    assert binary_average_precision(scores, positives) == \
        pytest.approx(expected)
    # the same whichever of the tied samples comes first
    swapped = np.array([0, 2, 1, 3])
    assert binary_average_precision(scores[swapped], positives[swapped]) == \
        pytest.approx(expected)
    # two positives and a negative tied: both get precision 2/3
    assert binary_average_precision(
        np.full(3, 0.5), np.array([True, False, True])) == \
        pytest.approx(2 / 3)
    assert binary_average_precision(np.array([0.3, 0.2]),
                                    np.array([False, False])) == 0.0


# Two classes. Class 0 has an ignored entry (0) ranked between its two
# positives; class 1 has no positive.
SCORES = np.array([[0.9, 0.4], [0.8, 0.3], [0.7, 0.2], [0.6, 0.1]])
TARGETS = np.array([[1, -1], [0, -1], [-1, 0], [1, -1]])


def test_conventions_on_ignores_and_empty_classes():
    # class 0 with the ignored entry left out: ranks pos, neg, pos
    # -> (1 + 2/3) / 2 = 5/6; as a negative: pos, neg, neg, pos -> 3/4.
    mmpre = per_class_average_precision(SCORES, TARGETS, 'mmpretrain')
    assert mmpre[0] == pytest.approx(5 / 6)
    assert np.isnan(mmpre[1])
    np.testing.assert_allclose(
        per_class_average_precision(SCORES, TARGETS, 'zsl'), [5 / 6, 0])
    np.testing.assert_allclose(
        per_class_average_precision(SCORES, TARGETS, 'ssgrl'), [3 / 4, 0])

    assert mean_average_precision(SCORES, TARGETS, 'mmpretrain') == \
        pytest.approx(100 * 5 / 6)
    assert mean_average_precision(SCORES, TARGETS, 'zsl') == \
        pytest.approx(100 * 5 / 12)
    assert mean_average_precision(SCORES, TARGETS, 'ssgrl') == \
        pytest.approx(100 * 3 / 8)


def test_class_with_only_ignored_positives_is_empty():
    scores = np.array([[0.9], [0.1]])
    targets = np.array([[0], [-1]])
    assert np.isnan(mean_average_precision(scores, targets, 'mmpretrain'))
    assert mean_average_precision(scores, targets, 'zsl') == 0.0


def _random_case(seed, num=40, num_classes=6, ignore=0.1, decimals=None):
    rng = np.random.default_rng(seed)
    scores = rng.random((num, num_classes))
    if decimals is not None:  # many ties
        scores = scores.round(decimals)
    targets = np.where(rng.random((num, num_classes)) < 0.3, 1, -1)
    targets[rng.random((num, num_classes)) < ignore] = 0
    targets[0] = 1  # every class has a positive
    return scores, targets


@pytest.mark.parametrize('decimals', [None, 1])
def test_agrees_with_sklearn(decimals):
    scores, targets = _random_case(0, decimals=decimals)
    ssgrl = per_class_average_precision(scores, targets, 'ssgrl')
    zsl = per_class_average_precision(scores, targets, 'zsl')
    for c in range(scores.shape[1]):
        assert ssgrl[c] == pytest.approx(
            average_precision_score(targets[:, c] == 1, scores[:, c]))
        kept = targets[:, c] != 0
        assert zsl[c] == pytest.approx(
            average_precision_score(targets[kept, c] == 1, scores[kept, c]))


def test_agrees_with_mmpretrain_average_precision():
    scores, targets = _random_case(1)
    # mmpretrain codes targets as 1 positive, 0 negative, -1 ignored
    mmpre_targets = np.select([targets == 1, targets == -1], [1, 0], -1)
    expected = AveragePrecision.calculate(
        torch.from_numpy(scores), torch.from_numpy(mmpre_targets))
    assert mean_average_precision(scores, targets, 'mmpretrain') == \
        pytest.approx(expected.item(), rel=1e-5)
    # torch input gives the same
    assert mean_average_precision(
        torch.from_numpy(scores), torch.from_numpy(targets)) == \
        pytest.approx(expected.item(), rel=1e-5)


def _mmpretrain_map(scores, targets):
    """mmpretrain's AveragePrecision (targets coded 1 / 0 / -1 ignored)."""
    mmpre_targets = np.select([targets == 1, targets == -1], [1, 0], -1)
    return AveragePrecision.calculate(
        torch.as_tensor(scores), torch.from_numpy(mmpre_targets)).item()


def test_float64_sigmoids_of_confident_logits_keep_the_agreement():
    # logits of 17 to 24, as CLIP-scale heads give: their float32 sigmoids
    # tie at 1.0 (groups of positives and negatives), float64 ones do not
    rng = np.random.default_rng(2)
    targets = np.where(rng.random((60, 5)) < 0.4, 1, -1)
    logits = np.where(targets == 1, 21., 20.) + rng.uniform(-3, 3, (60, 5))
    logits = torch.from_numpy(logits)
    scores = torch.sigmoid(logits)  # float64
    assert len(np.unique(scores.numpy())) == scores.numel()
    assert mean_average_precision(scores, targets, 'mmpretrain') == \
        pytest.approx(_mmpretrain_map(scores, targets), rel=1e-5)
    assert mean_average_precision(scores, targets, 'mmpretrain') == \
        pytest.approx(mean_average_precision(logits, targets, 'mmpretrain'))
    saturated = torch.sigmoid(logits.float())
    assert (saturated == 1).float().mean() > 0.9


def _ranked_ap(order, positives):
    """AP of one strict ranking: mean precision at each positive's rank."""
    hits = np.cumsum(positives[order])
    ranks = np.arange(1, len(order) + 1)
    return float((hits / ranks)[positives[order]].mean())


def test_tied_scores_where_mmpretrain_differs():
    # one class: a negative and two positives tied at 1.0 (float32
    # saturation), below them a positive and a negative
    scores = np.array([1.0, 1.0, 0.9, 1.0, 0.3])
    positives = np.array([False, True, True, True, False])
    targets = np.where(positives, 1, -1)[:, None]
    # this package: the tied group is one threshold, each of its positives
    # gets the precision at the group's end (2/3), as scikit-learn
    ours = (2 / 3 + 2 / 3 + 3 / 4) / 3
    assert mean_average_precision(scores[:, None], targets) == \
        pytest.approx(100 * ours)
    assert ours == pytest.approx(average_precision_score(positives, scores))
    for perm in ([4, 3, 2, 1, 0], [1, 0, 3, 2, 4]):
        assert mean_average_precision(scores[perm, None], targets[perm]) == \
            pytest.approx(100 * ours)
    # mmpretrain: the precision at each positive's place in the order
    # torch.argsort gives the tied samples
    order = torch.argsort(torch.from_numpy(scores), descending=True).numpy()
    theirs = _mmpretrain_map(scores[:, None], targets)
    assert theirs == pytest.approx(100 * _ranked_ap(order, positives),
                                   rel=1e-6)
    # ... which lies between positives last and positives first in the group
    last, first = [0, 1, 3, 2, 4], [1, 3, 0, 2, 4]
    assert 100 * _ranked_ap(np.array(last), positives) <= theirs + 1e-4
    assert theirs <= 100 * _ranked_ap(np.array(first), positives) + 1e-4


def test_class_without_positives_is_where_mmpretrain_differs_too():
    # mmpretrain's AveragePrecision scores such a class 0 and keeps it
    scores = np.array([[0.9, 0.4], [0.2, 0.3]])
    targets = np.array([[1, -1], [-1, -1]])
    assert mean_average_precision(scores, targets, 'mmpretrain') == 100.0
    assert _mmpretrain_map(scores, targets) == pytest.approx(50.0)


def test_input_errors():
    with pytest.raises(ValueError, match='unknown mAP convention'):
        mean_average_precision(SCORES, TARGETS, 'voc')
    with pytest.raises(ValueError, match='`targets` has shape'):
        mean_average_precision(SCORES, TARGETS[:, :1])
    with pytest.raises(ValueError, match=r'\+1 \(positive\)'):
        mean_average_precision(SCORES, TARGETS * 2)
    with pytest.raises(ValueError, match=r'shape \[N, C\]'):
        mean_average_precision(SCORES[0], TARGETS[0])
