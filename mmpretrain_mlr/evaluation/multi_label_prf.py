"""CP / CR / CF1 / OP / OR / OF1 metric, at a threshold and at top-k."""
from typing import Dict, List, Optional

from mmpretrain.registry import METRICS

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
        collect_device (str): Device used to collect results across ranks,
            'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None, i.e. ``'multi-label'`` (keys like ``multi-label/CF1``).

    Examples:
        >>> val_evaluator = dict(type='MultiLabelPRF', thr=0.5, topk=3)
    """
    default_prefix: Optional[str] = 'multi-label'

    def __init__(self,
                 thr: float = 0.5,
                 topk: Optional[int] = 3,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if topk is not None:
            check_positive_int(topk, 'topk')
        self.thr = thr
        self.topk = topk

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the six values (twice with ``topk``).

        Args:
            results (list[dict]): Results of :meth:`process`, all ranks.

        Returns:
            dict[str, float]: ``CP ... OF1`` and ``CP_top{k} ... OF1_top{k}``.
        """
        scores, targets = self.stack_results(results)
        metrics = precision_recall_f1(scores, targets, thr=self.thr)
        if self.topk is not None:
            top = precision_recall_f1(
                scores, targets, thr=self.thr, topk=self.topk)
            metrics.update(
                {f'{key}_top{self.topk}': value
                 for key, value in top.items()})
        return metrics
