"""ZeroShotMetric with the ZSL scores of a separately scored unseen
vocabulary (``zsl_score_key``)."""
import numpy as np
import pytest
import torch

from mmpretrain_mlr.evaluation import ZeroShotMetric
from mmpretrain_mlr.evaluation.average_precision import mean_average_precision


def samples(gzsl, zsl, targets):
    return [dict(pred_score=torch.tensor(g), pred_score_zsl=torch.tensor(z),
                 full_label=torch.tensor(t))
            for g, z, t in zip(gzsl, zsl, targets)]


def test_zsl_figures_come_from_the_separate_scores():
    rng = np.random.RandomState(0)
    targets = np.where(rng.rand(20, 5) < 0.4, 1, -1)
    targets[0] = 1  # every class has a positive
    gzsl = rng.rand(20, 5)
    # the ZSL scores rank the two unseen classes (the last two columns)
    # exactly by their labels, the GZSL scores do not
    zsl = targets[:, 3:] + 0.01 * rng.rand(20, 2)
    metric = ZeroShotMetric(num_unseen=2, ks=(1, ), map_convention='zsl',
                            zsl_score_key='pred_score_zsl')
    metric.process(None, samples(gzsl, zsl, targets))
    result = metric.compute_metrics(metric.results)
    assert result['zsl/mAP'] == pytest.approx(100.)
    assert result['gzsl/mAP'] == pytest.approx(
        mean_average_precision(gzsl, targets, 'zsl'))
    plain = ZeroShotMetric(num_unseen=2, ks=(1, ), map_convention='zsl')
    plain.process(None, samples(gzsl, zsl, targets))
    assert plain.compute_metrics(plain.results)['zsl/mAP'] == pytest.approx(
        mean_average_precision(gzsl[:, 3:], targets[:, 3:], 'zsl'))


def test_missing_or_misshaped_zsl_scores_are_clear_errors():
    metric = ZeroShotMetric(num_unseen=2, zsl_score_key='pred_score_zsl',
                            ks=(1, ))
    with pytest.raises(KeyError, match='test_vocabularies'):
        metric.process(None, [dict(pred_score=torch.rand(4),
                                   full_label=torch.tensor([1, -1, 1, -1]))])
    metric = ZeroShotMetric(num_unseen=2, zsl_score_key='pred_score_zsl',
                            ks=(1, ))
    metric.process(None, samples(np.random.rand(3, 4), np.random.rand(3, 3),
                                 np.ones((3, 4), dtype=int)))
    with pytest.raises(ValueError, match='3 classes but there are 2 unseen'):
        metric.compute_metrics(metric.results)
