"""Per-class thresholds: the fit (checked against a brute-force search and
a hand-worked case), the F1 metric with them, and the refusal to evaluate
a split with thresholds fitted on it."""
import json

import numpy as np
import pytest
from mmengine.config import Config

from mmpretrain_mlr.engine.runner import check_threshold_splits
from mmpretrain_mlr.evaluation import MultiLabelPRF
from mmpretrain_mlr.evaluation.class_thresholds import (
    fit_class_thresholds, load_class_thresholds, save_class_thresholds,
    thresholds_file_of, thresholds_for)


def f1_precision_recall(scores, positive, thr):
    predicted = scores >= thr
    tp = np.sum(predicted & positive)
    precision = tp / predicted.sum() if predicted.sum() else 0.
    recall = tp / positive.sum()
    f1 = 2 * tp / (predicted.sum() + positive.sum())
    return f1, precision, recall


def test_hand_worked_class():
    # candidates 0.9 / 0.8 / 0.3 / 0.2 give F1 2/3, 1/2, 4/5, 2/3: the
    # cut at 0.3, moved half-way down to the next score 0.2
    scores = np.array([[0.9], [0.8], [0.3], [0.2]])
    targets = np.array([[1], [-1], [1], [-1]])
    fitted = fit_class_thresholds(scores, targets)
    assert fitted['thresholds'] == [pytest.approx(0.25)]
    assert fitted['f1'] == [pytest.approx(0.8)]
    # precision 1 is reached only by the cut at 0.9 (one true positive)
    strict = fit_class_thresholds(scores, targets, target_precision=1.)
    assert strict['thresholds'] == [pytest.approx(0.85)]


def test_fit_matches_a_brute_force_search():
    rng = np.random.default_rng(0)
    scores = rng.random((200, 6))
    targets = np.where(rng.random((200, 6)) < scores ** 2, 1, -1)
    targets[rng.random((200, 6)) < 0.3] = 0  # unknown entries left out
    targets[:, 5] = np.where(targets[:, 5] == 1, -1, targets[:, 5])
    fitted = fit_class_thresholds(scores, targets, default=0.4,
                                  target_precision=None)
    precise = fit_class_thresholds(scores, targets, default=0.4,
                                   target_precision=0.8)
    for c in range(5):
        known = targets[:, c] != 0
        s, pos = scores[known, c], targets[known, c] == 1
        stats = [f1_precision_recall(s, pos, t) for t in np.unique(s)]
        best_f1 = max(f for f, _, _ in stats)
        assert f1_precision_recall(s, pos, fitted['thresholds'][c])[0] == \
            pytest.approx(best_f1)
        reach = [r for _, p, r in stats if p >= 0.8]
        if not reach:  # kept at the default, reported
            assert c in precise['unreachable']
            assert precise['thresholds'][c] == 0.4
            continue
        _, p, r = f1_precision_recall(s, pos, precise['thresholds'][c])
        assert p >= 0.8 and r == pytest.approx(max(reach))
    # class 5 has no positive: kept at the default, reported
    assert fitted['no_positives'] == [5]
    assert fitted['thresholds'][5] == 0.4 and fitted['f1'][5] is None


def test_file_round_trip_by_class_name(tmp_path):
    assert thresholds_file_of('w/epoch_3.pth') == 'w/epoch_3.thresholds.json'
    fitted = dict(thresholds=[0.2, 0.7], f1=[0.5, None], no_positives=[1],
                  unreachable=[], default=0.7, objective='max F1 per class')
    path = str(tmp_path / 't.json')
    save_class_thresholds(path, ['cat', 'dog'], fitted,
                          fitted_on=dict(type='X', split='val'))
    data = load_class_thresholds(path)
    assert data['kept_default_no_positives'] == ['dog']
    # another vocabulary: by name, unknown names at the default
    assert list(thresholds_for(['dog', 'bird', 'cat'], data)) == \
        [0.7, 0.7, 0.2]
    (tmp_path / 'bad.json').write_text('[1, 2]')
    with pytest.raises(ValueError, match='bad.json'):
        load_class_thresholds(str(tmp_path / 'bad.json'))


def test_f1_metric_with_per_class_thresholds(tmp_path):
    # class 0 at 0.6: images 0, 1 predicted (1 correct of 1 positive ...)
    scores = np.array([[0.7, 0.2], [0.65, 0.4], [0.3, 0.35]])
    targets = np.array([[1, -1], [-1, 1], [1, 1]])
    metric = MultiLabelPRF(topk=None, class_thresholds=[0.6, 0.3])
    metric.dataset_meta = dict(classes=['a', 'b'])
    results = [dict(pred_score=__import__('torch').tensor(s),
                    target=__import__('torch').tensor(t))
               for s, t in zip(scores, targets)]
    values = metric.compute_metrics(results)
    # class 0: predicted {0, 1}, correct {0}: P 1/2, R 1/2
    # class 1: predicted {1, 2}, correct {1, 2}: P 1, R 1
    cp, cr = (0.5 + 1) / 2, (0.5 + 1) / 2
    assert values['CP'] == pytest.approx(100 * cp)
    assert values['CF1'] == pytest.approx(100 * 2 * cp * cr / (cp + cr))
    # overall: 3 correct of 4 predicted, of 4 positives
    assert values['OP'] == pytest.approx(75.) and values['OR'] == \
        pytest.approx(75.)
    # the single-threshold values next to them (0.5: a gets 0, 1; b none)
    assert values['CR_thr0.5'] == pytest.approx(100 * (0.5 + 0) / 2)


def test_thresholds_are_refused_on_their_own_split(tmp_path):
    path = str(tmp_path / 't.json')
    val = dict(type='ShapesMultiLabel', num_images=8, split='val', seed=0)
    save_class_thresholds(path, ['a'], dict(
        thresholds=[0.3], f1=[1.], no_positives=[], unreachable=[],
        default=0.5, objective='max F1 per class'), fitted_on=val)
    metric = dict(type='MultiLabelPRF', class_thresholds=path)
    cfg = Config(dict(
        test_dataloader=dict(dataset=dict(val, pipeline=[])),
        test_evaluator=[dict(type='AveragePrecision'), metric]))
    with pytest.raises(ValueError, match='fitted on the split'):
        check_threshold_splits(cfg)
    cfg.test_dataloader.dataset.split = 'test'
    check_threshold_splits(cfg)  # another split: accepted
    assert json.load(open(path))['fitted_on']['split'] == 'val'
