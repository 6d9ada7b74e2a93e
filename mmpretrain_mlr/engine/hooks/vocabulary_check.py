"""Refuse to train or test a model whose vocabulary is not the labels'."""
from typing import Optional, Sequence

from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS

from ...utils.vocabulary import check_same_vocabulary


def _dataset_classes(dataloader) -> Optional[Sequence[str]]:
    dataset = getattr(dataloader, 'dataset', None)
    metainfo = getattr(dataset, 'metainfo', None) or {}
    return metainfo.get('classes')


@HOOKS.register_module()
class VocabularyCheckHook(Hook):
    """Check, by name and order, a prompt model's vocabulary against the
    classes of the labels it trains and is tested on.

    A model that scores class names (``model.class_names``, and
    ``model.test_class_names`` for evaluation) reads label column c as the
    class of its c-th name, so two vocabularies with the same count but
    another order train and evaluate without any error while every prompt
    scores the wrong column. This hook raises instead, naming the first
    differing position and both names:

    - before training: the training set's ``metainfo['classes']`` against
      ``class_names``, and the validation set's against
      ``test_class_names``;
    - before testing: the test set's against ``test_class_names``;
    - when a checkpoint is loaded: its ``meta.dataset_meta.classes`` (the
      vocabulary it was trained on) against ``class_names``.

    Models without ``class_names`` (mmpretrain's ``ImageClassifier``) and
    datasets without ``classes`` are left alone. The package's
    ``configs/_base_/default_runtime.py`` registers it among
    ``default_hooks`` (key ``vocabulary_check``).
    """

    priority = 'VERY_HIGH'

    @staticmethod
    def _model(runner):
        model = runner.model
        return model.module if is_model_wrapper(model) else model

    def _check(self, runner, dataloader, field: str, split: str) -> None:
        names = getattr(self._model(runner), field, None)
        classes = _dataset_classes(dataloader)
        if names is None or classes is None:
            return
        check_same_vocabulary(classes, names,
                              f"the {split} set's metainfo['classes']",
                              f'model.{field}')

    def before_train(self, runner) -> None:
        self._check(runner, runner.train_dataloader, 'class_names',
                    'training')
        if runner.val_loop is not None:
            self._check(runner, runner.val_loop.dataloader,
                        'test_class_names', 'validation')

    def before_test(self, runner) -> None:
        self._check(runner, runner.test_loop.dataloader, 'test_class_names',
                    'test')

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
