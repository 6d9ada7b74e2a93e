"""CP/CR/CF1/OP/OR/OF1 and P/R/F1@k against hand-worked numbers and sklearn.
"""
import numpy as np
import pytest
from sklearn.metrics import f1_score, precision_score, recall_score

from mmpretrain_mlr.evaluation import (precision_recall_f1,
                                       topk_precision_recall_f1)

# 3 images x 3 classes; image 1 / class 2 is ignored (and predicted).
SCORES = np.array([[0.9, 0.6, 0.2], [0.7, 0.4, 0.8], [0.3, 0.55, 0.65]])
TARGETS = np.array([[1, -1, -1], [1, 1, 0], [1, 1, 1]])


def test_prf_at_threshold():
    # predicted (>= 0.5): class 0 on images 0, 1; class 1 on 0, 2;
    # class 2 on 2 (image 1 is ignored).
    # class 0: 2 correct / 2 predicted, 2 / 3 positives
    # class 1: 1 / 2, 1 / 2; class 2: 1 / 1, 1 / 1
    out = precision_recall_f1(SCORES, TARGETS, thr=0.5)
    cp, cr = 5 / 6, 13 / 18
    op, o_r = 4 / 5, 4 / 6
    expected = dict(
        CP=cp, CR=cr, CF1=2 * cp * cr / (cp + cr), OP=op, OR=o_r,
        OF1=2 * op * o_r / (op + o_r))
    for key, value in expected.items():
        assert out[key] == pytest.approx(100 * value), key
    assert out['CF1'] == pytest.approx(100 * 65 / 84)
    assert out['OF1'] == pytest.approx(100 * 8 / 11)


def test_prf_top1_and_threshold():
    # top-1: class 0 on image 0 (correct), class 2 on image 1 (ignored) and
    # on image 2 (correct); class 1 never predicted (P = 0/0 -> 0).
    out = precision_recall_f1(SCORES, TARGETS, thr=0.5, topk=1)
    assert out['CP'] == pytest.approx(100 * 2 / 3)
    assert out['CR'] == pytest.approx(100 * 4 / 9)
    assert out['CF1'] == pytest.approx(100 * 8 / 15)
    assert out['OP'] == pytest.approx(100.0)
    assert out['OR'] == pytest.approx(100 * 1 / 3)
    assert out['OF1'] == pytest.approx(100 * 0.5)
    # top-k *and* threshold: with thr=0.85 only 0.9 survives
    out = precision_recall_f1(SCORES, TARGETS, thr=0.85, topk=1)
    assert out['OP'] == pytest.approx(100.0)
    assert out['OR'] == pytest.approx(100 / 6)
    assert out['CP'] == pytest.approx(100 / 3)


def test_prf_agrees_with_sklearn():
    rng = np.random.default_rng(0)
    scores = rng.random((50, 5))
    targets = np.where(rng.random((50, 5)) < 0.4, 1, -1)
    targets[rng.random((50, 5)) < 0.15] = 0
    out = precision_recall_f1(scores, targets, thr=0.5)
    pred = scores >= 0.5
    per_p, per_r = [], []
    for c in range(5):
        kept = targets[:, c] != 0
        per_p.append(precision_score(targets[kept, c] == 1, pred[kept, c],
                                     zero_division=0))
        per_r.append(recall_score(targets[kept, c] == 1, pred[kept, c],
                                  zero_division=0))
    assert out['CP'] == pytest.approx(100 * np.mean(per_p))
    assert out['CR'] == pytest.approx(100 * np.mean(per_r))
    kept = targets != 0
    y_true, y_pred = targets[kept] == 1, pred[kept]
    assert out['OP'] == pytest.approx(100 * precision_score(y_true, y_pred))
    assert out['OR'] == pytest.approx(100 * recall_score(y_true, y_pred))
    assert out['OF1'] == pytest.approx(100 * f1_score(y_true, y_pred))


# 2 images x 4 classes; image 1 / class 3 is ignored.
TOPK_SCORES = np.array([[0.9, 0.8, 0.1, 0.3], [0.2, 0.7, 0.6, 0.5]])
TOPK_TARGETS = np.array([[1, -1, 1, -1], [-1, 1, 1, 0]])


def test_topk_f1_hand_worked():
    # k=2: image 0 -> {0 (pos), 1}; image 1 -> {1 (pos), 2 (pos)}
    # TP = 3, N k = 4, positives = 4
    out = topk_precision_recall_f1(TOPK_SCORES, TOPK_TARGETS, 2)
    assert out == pytest.approx({'P@2': 75.0, 'R@2': 75.0, 'F1@2': 75.0})
    # k=3 adds class 3 to both (a negative, an ignored entry): TP = 3,
    # N k = 6 -> P = 1/2, R = 3/4, F1 = 0.6
    out = topk_precision_recall_f1(TOPK_SCORES, TOPK_TARGETS, 3)
    assert out == pytest.approx({'P@3': 50.0, 'R@3': 75.0, 'F1@3': 60.0})


def test_topk_ties_go_to_lower_index():
    out = topk_precision_recall_f1(
        np.full((1, 3), 0.5), np.array([[-1, 1, -1]]), 1)
    assert out['P@1'] == 0.0  # class 0 is taken, not the positive class 1
    out = topk_precision_recall_f1(
        np.full((1, 3), 0.5), np.array([[1, -1, -1]]), 1)
    assert out['P@1'] == 100.0


def test_topk_without_positives_is_zero():
    out = topk_precision_recall_f1(np.array([[0.2, 0.1]]),
                                   np.array([[-1, -1]]), 1)
    assert out == {'P@1': 0.0, 'R@1': 0.0, 'F1@1': 0.0}


def test_k_errors():
    with pytest.raises(ValueError, match='larger than the number of classes'):
        topk_precision_recall_f1(TOPK_SCORES, TOPK_TARGETS, 5)
    with pytest.raises(ValueError, match='larger than the number of classes'):
        precision_recall_f1(SCORES, TARGETS, topk=4)
    with pytest.raises(ValueError, match='positive int'):
        topk_precision_recall_f1(TOPK_SCORES, TOPK_TARGETS, 0)
