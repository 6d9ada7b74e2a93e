"""Zero-shot (ZSL) and generalized zero-shot (GZSL) multi-label metrics."""
from typing import Dict, List, Optional, Sequence, Union

import numpy as np
import torch
from mmpretrain.registry import METRICS

from ..utils.vocabulary import read_name_list
from ..utils.checks import check_choice
from .average_precision import check_convention, mean_average_precision
from .per_class import (class_names_for, named_scalars, per_class_rows,
                        report_per_class)
from .score_target_metric import ScoreTargetMetric
from .topk_f1 import topk_precision_recall_f1
from .utils import check_k, check_positive_int

ZSL_IMAGES = ('all', 'with_unseen_positive')


@METRICS.register_module()
class ZeroShotMetric(ScoreTargetMetric):
    """ZSL and GZSL P@k, R@k, F1@k and mAP (%) from one test run.

    The model scores the whole GZSL vocabulary (e.g. NUS-WIDE: 925 seen
    then 81 unseen tags, 1006 columns). ZSL metrics use only the unseen
    columns; GZSL metrics use all columns. Only the ranking of scores
    matters, so this equals scoring the unseen vocabulary alone whenever a
    class's score does not depend on the other classes in the vocabulary
    (true for the per-class sigmoid scores of the heads here).

    Reported keys (for the default ``ks``)::

        zsl/P@3  zsl/R@3  zsl/F1@3  zsl/P@5  zsl/R@5  zsl/F1@5  zsl/mAP
        gzsl/P@3 gzsl/R@3 gzsl/F1@3 gzsl/P@5 gzsl/R@5 gzsl/F1@5 gzsl/mAP

    P@k, R@k and F1@k are micro values over all images, see
    :mod:`mmpretrain_mlr.evaluation.topk_f1`; mAP follows
    ``map_convention``, see :mod:`mmpretrain_mlr.evaluation.average_precision`.

    Images without an unseen positive: BiAM's and MKT's evaluation (and
    DualCoOp's, whose filtering of such images is commented out) keep every
    test image in the ZSL figures, so such an image adds k wrong predictions
    to P@k and negatives to the AP. ``zsl_images='with_unseen_positive'``
    drops those images from the ZSL figures instead. GZSL always uses all
    images.

    Give the unseen columns in exactly one way: ``num_unseen`` (the last
    columns), ``unseen_classes`` or ``seen_classes`` (column indices,
    class names looked up in the dataset's ``classes``, or a file with one
    name per line, e.g. COCO's 17 unseen classes of the 48 / 17 split).

    Args:
        num_unseen (int, optional): Number of unseen classes, which are the
            last columns of the vocabulary. Defaults to None.
        unseen_classes (Sequence[int | str] | str, optional): Unseen
            columns, or a file of their names. Defaults to None.
        seen_classes (Sequence[int | str] | str, optional): Seen columns
            (or a file of their names); the other columns are unseen.
            Defaults to None.
        ks (Sequence[int]): The k values of P@k, R@k and F1@k.
            Defaults to (3, 5).
        map_convention (str): 'zsl', 'ssgrl' or 'mmpretrain'.
            Defaults to 'zsl'.
        zsl_images (str): 'all' or 'with_unseen_positive', the images of the
            ZSL figures. Defaults to 'all'.
        zsl_score_key (str, optional): Take the ZSL scores from this field
            of each data sample, the model's scores of the unseen
            vocabulary alone (e.g. ``'pred_score_zsl'`` from
            ``CLIPPromptClassifier(test_vocabularies=dict(zsl=...))``), in
            the order of the unseen columns, instead of the unseen columns
            of ``pred_score``. Needed by heads whose class scores depend on
            the vocabulary (SigRL). Defaults to None.
        per_class (bool): At each evaluation, log a table of the classes
            with the lowest AP over all images (name, AP, positives, seen /
            unseen) and write all classes to ``per_class_gzsl.csv`` next to
            the log file. Defaults to False.
        per_class_log_rows (int): Classes in the logged table.
            Defaults to 20.
        per_class_scalars (bool): Also return each class's AP as a named
            scalar ``gzsl/AP/<class name>``. Defaults to False.
        collect_device (str): Device used to collect results across ranks,
            'cpu' or 'gpu'. Defaults to 'cpu'.
        prefix (str, optional): Prefix of the metric names. Defaults to
            None (keys start with ``zsl/`` and ``gzsl/``).

    Examples:
        >>> test_evaluator = dict(type='ZeroShotMetric', num_unseen=81)
    """
    default_prefix: Optional[str] = None

    def __init__(self,
                 num_unseen: Optional[int] = None,
                 unseen_classes: Optional[Sequence[Union[int, str]]] = None,
                 seen_classes: Optional[Sequence[Union[int, str]]] = None,
                 ks: Sequence[int] = (3, 5),
                 map_convention: str = 'zsl',
                 zsl_images: str = 'all',
                 zsl_score_key: Optional[str] = None,
                 per_class: bool = False,
                 per_class_log_rows: int = 20,
                 per_class_scalars: bool = False,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        given = [name for name, value in (
            ('num_unseen', num_unseen), ('unseen_classes', unseen_classes),
            ('seen_classes', seen_classes)) if value is not None]
        if len(given) != 1:
            raise ValueError('give exactly one of `num_unseen`, '
                             f'`unseen_classes`, `seen_classes`; got {given}')
        if num_unseen is not None:
            check_positive_int(num_unseen, 'num_unseen')
        for k in ks:
            check_positive_int(k, 'ks')
        check_choice('ZeroShotMetric', 'zsl_images', zsl_images, ZSL_IMAGES)
        self.num_unseen = num_unseen
        if isinstance(unseen_classes, str):
            unseen_classes = read_name_list(unseen_classes, 'unseen_classes')
        if isinstance(seen_classes, str):
            seen_classes = read_name_list(seen_classes, 'seen_classes')
        self.unseen_classes = unseen_classes
        self.seen_classes = seen_classes
        self.ks = tuple(ks)
        self.map_convention = check_convention(map_convention)
        self.zsl_images = zsl_images
        self.zsl_score_key = zsl_score_key
        self.per_class = per_class
        self.per_class_log_rows = per_class_log_rows
        self.per_class_scalars = per_class_scalars

    def process(self, data_batch, data_samples: Sequence[dict]) -> None:
        """Keep scores and targets, and the ZSL scores with
        ``zsl_score_key``."""
        super().process(data_batch, data_samples)
        if self.zsl_score_key is None:
            return
        kept = self.results[len(self.results) - len(data_samples):]
        for result, data_sample in zip(kept, data_samples):
            if self.zsl_score_key not in data_sample:
                raise KeyError(
                    f'ZeroShotMetric: the data sample has no '
                    f'{self.zsl_score_key!r} (zsl_score_key); the model '
                    'fills it when it scores a second vocabulary, e.g. '
                    'model.test_vocabularies=dict(zsl=<unseen classes>)')
            result['zsl_score'] = torch.as_tensor(
                data_sample[self.zsl_score_key]).detach().cpu().double()

    def _zsl_scores(self, results: List[dict],
                    num_unseen: int) -> np.ndarray:
        """[N, U] ZSL scores kept by :meth:`process`."""
        scores = torch.stack([res['zsl_score'] for res in results]).numpy()
        if scores.shape[1] != num_unseen:
            raise ValueError(
                f'ZeroShotMetric: {self.zsl_score_key!r} scores '
                f'{scores.shape[1]} classes but there are {num_unseen} '
                'unseen columns; expected the unseen vocabulary in the '
                'order of the unseen columns')
        return scores

    def _column_indices(self, classes: Sequence[Union[int, str]],
                        num_classes: int, field: str) -> np.ndarray:
        """Turn column indices or class names into sorted column indices."""
        names = list((self.dataset_meta or {}).get('classes') or ())
        indices = []
        for item in classes:
            if isinstance(item, str):
                if item not in names:
                    raise ValueError(
                        f'`{field}` names class {item!r}, which is not in '
                        'the dataset\'s `classes`'
                        + ('' if names else ' (the metric has no dataset '
                           'meta; give column indices instead)'))
                item = names.index(item)
            if not 0 <= int(item) < num_classes:
                raise ValueError(f'`{field}` holds column {item}, expected '
                                 f'indices in [0, {num_classes}) for the '
                                 f'{num_classes} classes of `pred_score`')
            indices.append(int(item))
        if len(set(indices)) != len(indices):
            raise ValueError(f'`{field}` lists a class twice: {classes}')
        return np.array(sorted(indices), dtype=np.int64)

    def unseen_columns(self, num_classes: int) -> np.ndarray:
        """Indices of the unseen columns among ``num_classes`` columns."""
        if self.num_unseen is not None:
            if self.num_unseen > num_classes:
                raise ValueError(f'`num_unseen`={self.num_unseen} is larger '
                                 f'than the {num_classes} classes of '
                                 '`pred_score`')
            return np.arange(num_classes - self.num_unseen, num_classes)
        if self.unseen_classes is not None:
            return self._column_indices(self.unseen_classes, num_classes,
                                        'unseen_classes')
        seen = self._column_indices(self.seen_classes, num_classes,
                                    'seen_classes')
        return np.setdiff1d(np.arange(num_classes), seen)

    def _split_metrics(self, split: str, scores: np.ndarray,
                       targets: np.ndarray) -> Dict[str, float]:
        """P@k, R@k, F1@k for every k and the mAP of one split."""
        metrics = {}
        for k in self.ks:
            check_k(k, scores.shape[1], name=f'ks ({split})')
            values = topk_precision_recall_f1(scores, targets, k)
            metrics.update(
                {f'{split}/{key}': value
                 for key, value in values.items()})
        metrics[f'{split}/mAP'] = mean_average_precision(
            scores, targets, self.map_convention)
        return metrics

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        """Compute the ZSL and GZSL metrics.

        Args:
            results (list[dict]): Results of :meth:`process`, all ranks.

        Returns:
            dict[str, float]: ``zsl/...`` and ``gzsl/...`` values in percent.
        """
        scores, targets = self.stack_results(results)
        unseen = self.unseen_columns(scores.shape[1])
        if unseen.size == 0:
            raise ValueError('no unseen class: `seen_classes` lists all '
                             f'{scores.shape[1]} classes of `pred_score`')
        zsl_scores, zsl_targets = scores[:, unseen], targets[:, unseen]
        if self.zsl_score_key is not None:
            zsl_scores = self._zsl_scores(results, unseen.size)
        if self.zsl_images == 'with_unseen_positive':
            rows = (zsl_targets == 1).any(axis=1)
            zsl_scores, zsl_targets = zsl_scores[rows], zsl_targets[rows]
        metrics = self._split_metrics('zsl', zsl_scores, zsl_targets)
        metrics.update(self._split_metrics('gzsl', scores, targets))
        if self.per_class or self.per_class_scalars:
            rows = per_class_rows(
                class_names_for(self.dataset_meta, scores.shape[1]), scores,
                targets, self.map_convention, unseen=unseen)
            if self.per_class:
                report_per_class(rows, 'gzsl', self.per_class_log_rows)
            if self.per_class_scalars:
                metrics.update({f'gzsl/{k}': v
                                for k, v in named_scalars(rows).items()})
        return metrics
