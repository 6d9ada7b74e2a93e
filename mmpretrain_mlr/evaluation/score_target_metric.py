"""Base class of the metrics that compare class scores with full labels."""
from typing import List, Sequence, Tuple

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from .utils import sample_score_target


class ScoreTargetMetric(BaseMetric):
    """Collects each sample's ``pred_score`` and target vector.

    :meth:`process` keeps, per data sample, the [C] scores and the [C]
    target in {+1, -1, 0 ignore}: the sample's ``full_label`` when the test
    pipeline packs it (``dict(type='PackInputs', algorithm_keys=(
    'full_label', ))``), else +1 at the ``gt_label`` indices and -1
    elsewhere. Subclasses implement ``compute_metrics`` on
    :meth:`stack_results`.

    Args:
        collect_device (str): Device used to collect results across ranks,
            'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None (the class's ``default_prefix``).
    """

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep the scores and targets of one batch.

        Args:
            data_batch: A batch of data from the dataloader (unused).
            data_samples (Sequence[dict]): The predicted data samples.
        """
        for data_sample in data_samples:
            score, target = sample_score_target(data_sample)
            self.results.append(dict(pred_score=score, target=target))

    @staticmethod
    def stack_results(results: List[dict]) -> Tuple[np.ndarray, np.ndarray]:
        """Stack collected results into matrices.

        Args:
            results (list[dict]): Results of :meth:`process`, from all ranks.

        Returns:
            tuple[np.ndarray, np.ndarray]: [N, C] scores and [N, C] int8
            targets.
        """
        if not results:
            raise ValueError('no data samples were processed; expected the '
                             'predictions of at least one image')
        widths = {res['pred_score'].numel() for res in results}
        if len(widths) > 1:
            raise ValueError('the data samples have `pred_score` of '
                             f'different widths {sorted(widths)}; expected '
                             'one class vocabulary per evaluation')
        scores = torch.stack([res['pred_score'] for res in results])
        targets = torch.stack([res['target'] for res in results])
        return scores.numpy(), targets.numpy()
