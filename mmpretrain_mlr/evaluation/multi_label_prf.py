"""CP / CR / CF1 / OP / OR / OF1 metric, at a threshold and at top-k."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
from mmpretrain.registry import METRICS

from .class_thresholds import load_class_thresholds, thresholds_for
from .prf import precision_recall_f1
from .score_target_metric import ScoreTargetMetric
from .utils import check_positive_int


@METRICS.register_module()
class MultiLabelPRF(ScoreTargetMetric):
    """Per-class and overall precision, recall and F1 (%), ML-GCN style.

    Reports ``CP, CR, CF1, OP, OR, OF1`` for predictions ``score >= thr``
    and, with ``topk``, the same six with the suffix ``_top{k}`` for
    predictions among the k highest scores of each image *and* >= ``thr``.
    CF1 and OF1 are harmonic means of the averaged (CP, CR) and overall
    (OP, OR) values. Ignored entries (``full_label`` 0) are left out. See
    :mod:`mmpretrain_mlr.evaluation.prf` for the exact definitions.

    Args:
        thr (float): Score threshold of a positive prediction, on the
            sigmoid probabilities the heads predict. Defaults to 0.5.
        topk (int, optional): k of the top-k variant; None to skip it.
            Defaults to 3.
        class_thresholds (str | Sequence[float], optional): per-class
            thresholds instead of ``thr``: a thresholds file
            (``tools/analysis_tools/fit_thresholds.py``), matched to the
            dataset's classes by name (classes it lacks keep its default),
            or [C] values. The runner refuses a file fitted on the split
            it evaluates. The values at ``thr`` are then reported too, with
            the suffix ``_thr{thr}``. Defaults to None.
        collect_device (str): Device used to collect results across ranks,
            'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None, i.e. ``'multi-label'`` (keys like ``multi-label/CF1``).

    Examples:
        >>> val_evaluator = dict(type='MultiLabelPRF', thr=0.5, topk=3)
        >>> test_evaluator = dict(
        ...     type='MultiLabelPRF',
        ...     class_thresholds='work_dirs/x/epoch_12.thresholds.json')
    """
    default_prefix: Optional[str] = 'multi-label'

    def __init__(self,
                 thr: float = 0.5,
                 topk: Optional[int] = 3,
                 class_thresholds: Union[str, Sequence[float], None] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if topk is not None:
            check_positive_int(topk, 'topk')
        self.thr = thr
        self.topk = topk
        self.class_thresholds = class_thresholds
        self.thresholds_data = load_class_thresholds(class_thresholds) \
            if isinstance(class_thresholds, str) else None

    def _thresholds(self, num_classes: int):
        """``thr``, or the [C] per-class thresholds."""
        if self.class_thresholds is None:
            return self.thr
        if self.thresholds_data is not None:
            classes = (self.dataset_meta or {}).get('classes')
            if classes is None or len(classes) != num_classes:
                raise ValueError(
                    f'class_thresholds={self.class_thresholds!r}: matching '
                    'thresholds to classes by name needs the dataset\'s '
                    f'{num_classes} class names (dataset_meta["classes"])')
            return thresholds_for([str(c) for c in classes],
                                  self.thresholds_data)
        values = np.asarray(self.class_thresholds, dtype=np.float64)
        if values.shape != (num_classes, ):
            raise ValueError(f'class_thresholds: {values.size} values for '
                             f'{num_classes} classes')
        return values

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the six values (twice with ``topk``).

        Args:
            results (list[dict]): Results of :meth:`process`, all ranks.

        Returns:
            dict[str, float]: ``CP ... OF1`` and ``CP_top{k} ... OF1_top{k}``.
        """
        scores, targets = self.stack_results(results)
        thr = self._thresholds(scores.shape[1])
        metrics = precision_recall_f1(scores, targets, thr=thr)
        if self.topk is not None:
            top = precision_recall_f1(
                scores, targets, thr=thr, topk=self.topk)
            metrics.update(
                {f'{key}_top{self.topk}': value
                 for key, value in top.items()})
        if self.class_thresholds is not None:
            single = precision_recall_f1(scores, targets, thr=self.thr)
            metrics.update({f'{key}_thr{self.thr:g}': value
                            for key, value in single.items()})
        return metrics
