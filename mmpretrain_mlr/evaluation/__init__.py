"""Metrics mmpretrain lacks (registered into METRICS).

- :class:`MultiLabelMAP`: mAP under the 'mmpretrain', 'ssgrl' or 'zsl'
  convention.
- :class:`MultiLabelPRF`: CP, CR, CF1, OP, OR, OF1 at a threshold and top-k.
- :class:`ZeroShotMetric`: ZSL and GZSL P@k, R@k, F1@k and mAP.
"""
from .average_precision import (MAP_CONVENTIONS, binary_average_precision,
                                mean_average_precision,
                                per_class_average_precision)
from .multi_label_map import MultiLabelMAP
from .multi_label_prf import MultiLabelPRF
from .prf import precision_recall_f1
from .score_target_metric import ScoreTargetMetric
from .topk_f1 import topk_precision_recall_f1
from .zero_shot_metric import ZeroShotMetric

__all__ = [
    'MAP_CONVENTIONS', 'binary_average_precision', 'mean_average_precision',
    'per_class_average_precision', 'precision_recall_f1',
    'topk_precision_recall_f1', 'ScoreTargetMetric', 'MultiLabelMAP',
    'MultiLabelPRF', 'ZeroShotMetric'
]
