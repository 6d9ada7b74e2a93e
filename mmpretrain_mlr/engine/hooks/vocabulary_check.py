"""Refuse to train or test a model whose vocabularies are not the labels'."""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model

from ...utils.vocabulary import (check_names_in_vocabulary,
                                 check_same_vocabulary)

# A classifier scores ``test_vocabularies[name]`` into this data-sample field.
SCORE_FIELD_PREFIX = 'pred_score_'


def _dataset_classes(dataloader) -> Optional[Sequence[str]]:
    dataset = getattr(dataloader, 'dataset', None)
    metainfo = getattr(dataset, 'metainfo', None) or {}
    return metainfo.get('classes')


@HOOKS.register_module()
class VocabularyCheckHook(Hook):
    """Check, by name and order, every vocabulary a prompt model scores
    against the classes of the labels it trains and is tested on.

    A model that scores class names (``model.class_names``, and
    ``model.test_class_names`` for evaluation) reads label column c as the
    class of its c-th name, so two vocabularies with the same count but
    another order train and evaluate without any error while every prompt
    scores the wrong column. This hook raises instead, naming the
    vocabulary, the first differing position and both names:

    - before training: the training set's ``metainfo['classes']`` against
      ``class_names``, and the validation set's against
      ``test_class_names`` and ``test_vocabularies`` (below);
    - before testing (and before a validation run on its own): the test
      (validation) set's against ``test_class_names`` and
      ``test_vocabularies``;
    - when a checkpoint is loaded: its ``meta.dataset_meta.classes`` (the
      vocabulary it was trained on) against ``class_names``.

    Each entry ``name`` of ``model.test_vocabularies`` is scored into the
    data-sample field ``pred_score_<name>``. A metric that reads that field
    as the scores of some of the dataset's columns (``ZeroShotMetric`` with
    ``zsl_score_key``: the unseen columns, in column order) must get
    exactly the names of those columns, in that order; a metric naming a
    field no vocabulary fills is refused too. A vocabulary no metric reads
    must still name classes of the dataset only.

    All of this runs before the first iteration (training) or the first
    batch (testing). Models without ``class_names`` (mmpretrain's
    ``ImageClassifier``) and datasets without ``classes`` are left alone.
    The package's ``configs/_base_/default_runtime.py`` registers it among
    ``default_hooks`` (key ``vocabulary_check``).
    """

    priority = 'VERY_HIGH'

    @staticmethod
    def _model(runner):
        model = runner.model
        return get_ori_model(model)

    def _check(self, runner, dataloader, field: str, split: str) -> None:
        names = getattr(self._model(runner), field, None)
        classes = _dataset_classes(dataloader)
        if names is None or classes is None:
            return
        check_same_vocabulary(classes, names,
                              f"the {split} set's metainfo['classes']",
                              f'model.{field}')

    def _check_extra_vocabularies(self, runner, loop, split: str) -> None:
        """``model.test_vocabularies`` against the columns the metrics of
        ``loop`` read them as."""
        model = self._model(runner)
        vocabularies = getattr(model, 'test_vocabularies', None)
        classes = _dataset_classes(loop.dataloader)
        if vocabularies is None or classes is None:
            return
        classes = [str(name) for name in classes]
        evaluator = getattr(loop, 'evaluator', None)
        read = set()
        for metric in getattr(evaluator, 'metrics', None) or ():
            key = getattr(metric, 'zsl_score_key', None)
            if key is None or not callable(
                    getattr(metric, 'unseen_columns', None)):
                continue
            metric_name = type(metric).__name__
            name = key[len(SCORE_FIELD_PREFIX):] \
                if key.startswith(SCORE_FIELD_PREFIX) else None
            if name not in vocabularies:
                raise ValueError(
                    f'the {split} metric {metric_name} reads the scores '
                    f'{key!r} (zsl_score_key), which no vocabulary of the '
                    'model fills: model.test_vocabularies has '
                    f'{sorted(vocabularies)}; expected '
                    f'test_vocabularies=dict({name or "<name>"}=[...]) '
                    f"with zsl_score_key='{SCORE_FIELD_PREFIX}<name>'")
            read.add(name)
            columns = metric.unseen_columns(len(classes))
            check_same_vocabulary(
                [classes[col] for col in columns], vocabularies[name],
                f"the {split} set's unseen classes in column order "
                f'({metric_name} reads {key!r} as those columns)',
                f'model.test_vocabularies[{name!r}]')
        for name, names in vocabularies.items():
            if name not in read:
                check_names_in_vocabulary(
                    classes, names, f"the {split} set's metainfo['classes']",
                    f'model.test_vocabularies[{name!r}]')

    #: set once before_train has checked the validation set too
    checked_for_training = False

    def before_train(self, runner) -> None:
        self.checked_for_training = True
        self._check(runner, runner.train_dataloader, 'class_names',
                    'training')
        if runner.val_loop is not None:
            self._check(runner, runner.val_loop.dataloader,
                        'test_class_names', 'validation')
            self._check_extra_vocabularies(runner, runner.val_loop,
                                           'validation')

    def before_val(self, runner) -> None:
        if self.checked_for_training:
            return  # checked before training
        self._check(runner, runner.val_loop.dataloader, 'test_class_names',
                    'validation')
        self._check_extra_vocabularies(runner, runner.val_loop, 'validation')

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_loop.dataloader, 'test_class_names',
                    'test')
        self._check_extra_vocabularies(runner, runner.test_loop, 'test')

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        names = getattr(self._model(runner), 'class_names', None)
        meta = checkpoint.get('meta') or {}
        classes = (meta.get('dataset_meta') or {}).get('classes')
        if names is None or classes is None:
            return
        check_same_vocabulary(classes, names,
                              "the checkpoint's meta.dataset_meta.classes "
                              '(its training vocabulary)',
                              'model.class_names')
