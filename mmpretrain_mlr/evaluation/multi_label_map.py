"""mAP metric with a choice of the published conventions."""
from typing import Dict, List, Optional

from mmpretrain.registry import METRICS

from .average_precision import (check_convention, mean_average_precision,
                                per_class_average_precision)
from .score_target_metric import ScoreTargetMetric


@METRICS.register_module()
class MultiLabelMAP(ScoreTargetMetric):
    """Mean average precision (%) under a named convention.

    The conventions differ in how they treat ignored entries (target 0, e.g.
    VOC "difficult") and classes without a positive; see
    :mod:`mmpretrain_mlr.evaluation.average_precision`:

    - ``'mmpretrain'``: ignored entries left out; classes without a positive
      left out of the mean.
    - ``'ssgrl'`` (SSGRL / DualCoOp / Cole et al.): ignored entries are
      negatives; a class without a positive has AP 0 and is counted.
    - ``'zsl'`` (BiAM / MKT): ignored entries left out; a class without a
      positive has AP 0 and is counted.

    Targets come from each data sample's ``full_label`` ({+1, -1, 0
    ignore}), or from ``gt_label`` (+1 listed, -1 elsewhere) when the test
    pipeline does not pack ``full_label``.

    Args:
        convention (str): 'mmpretrain', 'ssgrl' or 'zsl'.
            Defaults to 'mmpretrain'.
        classwise (bool): Also report the per-class APs as ``AP_classwise``
            (a list, NaN for a class left out). Defaults to False.
        collect_device (str): Device used to collect results across ranks,
            'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None, i.e. ``'multi-label'`` (keys like ``multi-label/mAP``).

    Examples:
        >>> val_evaluator = dict(type='MultiLabelMAP', convention='ssgrl')
    """
    default_prefix: Optional[str] = 'multi-label'

    def __init__(self,
                 convention: str = 'mmpretrain',
                 classwise: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.convention = check_convention(convention)
        self.classwise = classwise

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the mAP from the collected results.

        Args:
            results (list[dict]): Results of :meth:`process`, all ranks.

        Returns:
            dict: ``{'mAP': float}`` in percent, plus ``AP_classwise`` if
            asked for.
        """
        scores, targets = self.stack_results(results)
        metrics = dict(
            mAP=mean_average_precision(scores, targets, self.convention))
        if self.classwise:
            aps = per_class_average_precision(scores, targets,
                                              self.convention)
            metrics['AP_classwise'] = (aps * 100).tolist()
        return metrics
