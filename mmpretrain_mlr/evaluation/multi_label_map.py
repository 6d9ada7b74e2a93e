"""mAP metric with a choice of the published conventions."""
from typing import Dict, List, Optional

from mmpretrain.registry import METRICS

from .average_precision import (check_convention, mean_average_precision,
                                per_class_average_precision)
from .per_class import (class_names_for, named_scalars, per_class_rows,
                        report_per_class)
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
        per_class (bool): At each evaluation, log a table of the classes
            with the lowest AP (class name from the dataset's ``classes``,
            AP, positives) and write all classes to
            ``per_class_<prefix>.csv`` next to the log file. Defaults to
            False.
        per_class_log_rows (int): Classes in the logged table.
            Defaults to 20.
        per_class_scalars (bool): Also return each class's AP as a named
            scalar ``AP/<class name>`` (logged with the other metrics, in
            ``scalars.json`` and any visualizer backend). Defaults to False.
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
                 per_class: bool = False,
                 per_class_log_rows: int = 20,
                 per_class_scalars: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        self.convention = check_convention(convention)
        self.classwise = classwise
        self.per_class = per_class
        self.per_class_log_rows = per_class_log_rows
        self.per_class_scalars = per_class_scalars

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the mAP from the collected results.

        Args:
            results (list[dict]): Results of :meth:`process`, all ranks.

        Returns:
            dict: ``{'mAP': float}`` in percent, plus ``AP_classwise`` and
            ``AP/<class name>`` if asked for.
        """
        scores, targets = self.stack_results(results)
        metrics = dict(
            mAP=mean_average_precision(scores, targets, self.convention))
        if self.classwise:
            aps = per_class_average_precision(scores, targets,
                                              self.convention)
            metrics['AP_classwise'] = (aps * 100).tolist()
        if self.per_class or self.per_class_scalars:
            rows = per_class_rows(
                class_names_for(self.dataset_meta, scores.shape[1]), scores,
                targets, self.convention)
            if self.per_class:
                report_per_class(rows, self.prefix, self.per_class_log_rows)
            if self.per_class_scalars:
                metrics.update(named_scalars(rows))
        return metrics
