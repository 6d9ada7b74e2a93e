"""The registered metrics: data samples in, named figures out."""
import numpy as np
import pytest
import torch
from mmengine.evaluator import Evaluator
from mmpretrain.registry import METRICS
from mmpretrain.structures import DataSample

import mmpretrain_mlr  # noqa: F401  (registers the metrics)


def _samples(scores, targets, with_full_label=True):
    """Data samples as a metric receives them (dicts)."""
    samples = []
    for score, target in zip(scores, targets):
        sample = DataSample().set_pred_score(torch.as_tensor(score))
        sample.set_gt_label(np.flatnonzero(np.asarray(target) == 1))
        if with_full_label:
            sample.set_field(np.asarray(target, dtype=np.int8), 'full_label')
        samples.append(sample)
    return samples


def _evaluate(metric_cfg, scores, targets, with_full_label=True,
              dataset_meta=None):
    evaluator = Evaluator(METRICS.build(metric_cfg))
    if dataset_meta is not None:
        evaluator.dataset_meta = dataset_meta
    evaluator.process(_samples(scores, targets, with_full_label))
    return evaluator.evaluate(len(scores))


# class 0 has an ignored entry between its positives; class 1 no positive
SCORES = [[0.9, 0.4], [0.8, 0.3], [0.7, 0.2], [0.6, 0.1]]
TARGETS = [[1, -1], [0, -1], [-1, 0], [1, -1]]


@pytest.mark.parametrize('convention, expected', [
    ('mmpretrain', 100 * 5 / 6),
    ('zsl', 100 * 5 / 12),
    ('ssgrl', 100 * 3 / 8),
])
def test_map_metric_conventions(convention, expected):
    out = _evaluate(
        dict(type='MultiLabelMAP', convention=convention), SCORES, TARGETS)
    assert out == {'multi-label/mAP': pytest.approx(expected)}


def test_map_metric_without_full_label_uses_gt_label():
    # without `full_label` the ignored entry of class 0 becomes a negative:
    # ranks pos, neg, neg, pos -> 3/4; class 1 has no positive (left out)
    out = _evaluate(
        dict(type='MultiLabelMAP', prefix='val', classwise=True), SCORES,
        TARGETS, with_full_label=False)
    assert out['val/mAP'] == pytest.approx(75.0)
    assert out['val/AP_classwise'][0] == pytest.approx(75.0)
    assert np.isnan(out['val/AP_classwise'][1])


def test_map_metric_keeps_float64_scores_apart():
    # sigmoid(20) and sigmoid(21) are both 1.0 in float32; in float64 the
    # positive ranks first (AP 1), tied they would share precision 1/2
    scores = torch.sigmoid(torch.tensor([[20.], [21.]], dtype=torch.float64))
    targets = [[-1], [1]]
    for cfg in (dict(type='MultiLabelMAP'), dict(type='AveragePrecision')):
        out = _evaluate(cfg, scores, targets)
        assert out == {'multi-label/mAP': pytest.approx(100.0)}, cfg


def test_prf_metric_keys_and_values():
    scores = [[0.9, 0.6, 0.2], [0.7, 0.4, 0.8], [0.3, 0.55, 0.65]]
    targets = [[1, -1, -1], [1, 1, 0], [1, 1, 1]]
    out = _evaluate(dict(type='MultiLabelPRF', topk=1), scores, targets)
    assert set(out) == {
        f'multi-label/{key}{suffix}'
        for key in ('CP', 'CR', 'CF1', 'OP', 'OR', 'OF1')
        for suffix in ('', '_top1')
    }
    # worked out in test_prf_topk.py
    assert out['multi-label/OF1'] == pytest.approx(100 * 8 / 11)
    assert out['multi-label/CF1_top1'] == pytest.approx(100 * 8 / 15)
    out = _evaluate(dict(type='MultiLabelPRF', topk=None), scores, targets)
    assert len(out) == 6


# 6 classes: 4 seen then 2 unseen. Image 2 has no unseen positive.
ZS_SCORES = [[0.9, 0.1, 0.2, 0.3, 0.8, 0.4],
             [0.1, 0.9, 0.8, 0.2, 0.3, 0.7],
             [0.5, 0.6, 0.1, 0.2, 0.05, 0.75]]
ZS_TARGETS = [[1, -1, -1, -1, 1, -1],
              [-1, 1, -1, -1, -1, 1],
              [1, -1, -1, -1, -1, -1]]
# ZSL (columns 4, 5), all images:
#   k=1: top-1 = 4 (pos), 5 (pos), 5 (neg): TP 2, Nk 3, 2 positives
#   k=2: TP 2, Nk 6
#   AP: column 4 -> 1; column 5 ranks image 2 (neg) above 1 (pos) -> 1/2
ZSL_ALL = {
    'zsl/P@1': 200 / 3, 'zsl/R@1': 100.0, 'zsl/F1@1': 80.0,
    'zsl/P@2': 100 / 3, 'zsl/R@2': 100.0, 'zsl/F1@2': 50.0,
    'zsl/mAP': 75.0,
}
# GZSL (all columns): 5 positives
#   k=1: top-1 = 0 (pos), 1 (pos), 5 (neg): TP 2 -> P 2/3, R 2/5, F1 1/2
#   k=2: + 4 (pos), 2 (neg), 1 (neg): TP 3 -> P 1/2, R 3/5, F1 6/11
#   AP per column: 1, 1, 0 (no positive), 0 (no positive), 1, 1/2
GZSL = {
    'gzsl/P@1': 200 / 3, 'gzsl/R@1': 40.0, 'gzsl/F1@1': 50.0,
    'gzsl/P@2': 50.0, 'gzsl/R@2': 60.0, 'gzsl/F1@2': 600 / 11,
    'gzsl/mAP': 100 * 3.5 / 6,
}


@pytest.mark.parametrize('split_args', [
    dict(num_unseen=2),
    dict(unseen_classes=[5, 4]),
    dict(seen_classes=[0, 1, 2, 3]),
    dict(unseen_classes=['e', 'f']),
])
def test_zero_shot_metric(split_args):
    out = _evaluate(
        dict(type='ZeroShotMetric', ks=(1, 2), **split_args), ZS_SCORES,
        ZS_TARGETS, dataset_meta=dict(classes=list('abcdef')))
    assert out == pytest.approx({**ZSL_ALL, **GZSL})


def test_zero_shot_metric_class_files(tmp_path):
    """COCO-style splits come as name files, one class per line."""
    (tmp_path / 'unseen.txt').write_text('e\nf\n')
    (tmp_path / 'seen.txt').write_text('a\nb\nc\nd\n')
    for key in ('unseen', 'seen'):
        out = _evaluate(
            dict(type='ZeroShotMetric', ks=(1, 2),
                 **{f'{key}_classes': str(tmp_path / f'{key}.txt')}),
            ZS_SCORES, ZS_TARGETS, dataset_meta=dict(classes=list('abcdef')))
        assert out == pytest.approx({**ZSL_ALL, **GZSL})


def test_zero_shot_metric_images_with_unseen_positive():
    # dropping image 2 from ZSL: k=1 -> TP 2 of 2; k=2 -> TP 2 of 4;
    # column 5 then ranks its positive first -> mAP 100. GZSL unchanged.
    out = _evaluate(
        dict(type='ZeroShotMetric', num_unseen=2, ks=(1, 2),
             zsl_images='with_unseen_positive'), ZS_SCORES, ZS_TARGETS)
    assert out == pytest.approx({
        'zsl/P@1': 100.0, 'zsl/R@1': 100.0, 'zsl/F1@1': 100.0,
        'zsl/P@2': 50.0, 'zsl/R@2': 100.0, 'zsl/F1@2': 200 / 3,
        'zsl/mAP': 100.0, **GZSL})


def test_zero_shot_metric_map_convention():
    out = _evaluate(
        dict(type='ZeroShotMetric', num_unseen=2, ks=(1, ),
             map_convention='mmpretrain'), ZS_SCORES, ZS_TARGETS)
    # the two columns without a positive are left out: (1 + 1 + 1 + 1/2) / 4
    assert out['gzsl/mAP'] == pytest.approx(100 * 3.5 / 4)


def test_metric_errors():
    metric = METRICS.build(dict(type='MultiLabelMAP'))
    with pytest.raises(KeyError, match='pred_score'):
        metric.process(None, [dict(gt_label=torch.tensor([0]))])
    with pytest.raises(ValueError, match='`full_label` has shape'):
        metric.process(None, [
            dict(pred_score=torch.rand(3),
                 full_label=np.array([1, -1], dtype=np.int8))
        ])
    with pytest.raises(ValueError, match='`gt_label` holds class indices'):
        metric.process(None, [
            dict(pred_score=torch.rand(3), gt_label=torch.tensor([3]))
        ])
    with pytest.raises(KeyError, match='neither `full_label` nor'):
        metric.process(None, [dict(pred_score=torch.rand(3))])
    metric.process(None, [
        dict(pred_score=torch.rand(3), gt_label=torch.tensor([0])),
        dict(pred_score=torch.rand(4), gt_label=torch.tensor([0]))
    ])
    with pytest.raises(ValueError, match='different widths'):
        metric.compute_metrics(metric.results)
    with pytest.raises(ValueError, match='unknown mAP convention'):
        METRICS.build(dict(type='MultiLabelMAP', convention='voc07'))
    with pytest.raises(ValueError, match='exactly one of'):
        METRICS.build(dict(type='ZeroShotMetric'))
    with pytest.raises(ValueError, match='`zsl_images`'):
        METRICS.build(
            dict(type='ZeroShotMetric', num_unseen=2, zsl_images='some'))
    with pytest.raises(ValueError, match=r'ks \(zsl\)`=3 is larger'):
        _evaluate(
            dict(type='ZeroShotMetric', num_unseen=2, ks=(3, )), ZS_SCORES,
            ZS_TARGETS)
    with pytest.raises(ValueError, match="names class 'z'"):
        _evaluate(
            dict(type='ZeroShotMetric', unseen_classes=['z']), ZS_SCORES,
            ZS_TARGETS, dataset_meta=dict(classes=list('abcdef')))
    with pytest.raises(ValueError, match=r'column 6, expected indices'):
        _evaluate(
            dict(type='ZeroShotMetric', unseen_classes=[6]), ZS_SCORES,
            ZS_TARGETS)
