"""Frozen image features computed once and read instead of the images."""
import os.path as osp
from typing import Optional, Sequence, Tuple

from mmengine.dataset import Compose, pseudo_collate
from mmengine.hooks import Hook
from mmengine.logging import print_log
from mmpretrain.registry import HOOKS
from mmpretrain.utils import get_ori_model

from ...feature_cache import keys
from ...feature_cache.fill import fill_store, seeded_randomness, view_seed
from ...feature_cache.reader import CachedSampleReader, write_view
from ...feature_cache.store import FeatureCacheError, FeatureStore
from ...models.clip.shapes_clip import default_cache_dir
from ...models.utils.data_preprocessor import CacheAwareDataPreprocessor

SPLITS = ('train', 'val', 'test')


@HOOKS.register_module()
class FeatureCacheHook(Hook):
    """Run the frozen part of the image side once per (dataset, view),
    keep its output on disk, and read it instead of the images.

    The frozen part is the whole image tower when it is frozen (DualCoOp,
    TRM-ML; the backbone and neck of a ``FrozenBackboneClassifier``, the
    linear probe) and the stem and frozen blocks when only the last blocks
    train (``trainable_blocks``, SigRL); a frozen teacher (the tower as loaded)
    shares the cache and runs its own later blocks. Before training (or a
    validation / test run) each dataset is read once through its pipeline
    and the model's normaliser, the features are written to memory-mapped
    files, and the dataset's ``prepare_data`` is replaced by a reader
    (:class:`CachedSampleReader`): labels as before, the image replaced by
    its features. The model's ``CacheAwareDataPreprocessor`` passes them
    on and the encoders run only what follows the cut.

    Views:

    - ``mode='test'``: one view per image through the test-time pipeline
      (``val_dataloader``'s, else ``test_dataloader``'s, for the training
      set too): exact for evaluation and for training without
      augmentation.
    - ``mode='augmented'``: the training set through its own pipeline
      ``num_views`` times (view v of image i drawn with a seed of
      ``(seed, v, i)``); epoch e reads view e mod K. Augmentation becomes
      K fixed views. Validation and test sets use their own pipelines.

    The cache folder's name is a hash of everything the features depend
    on (:mod:`mmpretrain_mlr.feature_cache.keys`: frozen weights, cut,
    the code computing them, normalisation, transforms, view, image list,
    input size, dtype), so a changed run never reads a stale cache and
    runs that share the tower and the data (seeds, known-label ratios,
    head variants) share one cache. Files are written under temporary
    names and renamed; under DDP each rank writes its share and the ranks
    agree on completion (the cache folder must be on a file system every
    rank sees).

    Add it to a config::

        custom_hooks = [dict(type='FeatureCacheHook', mode='augmented',
                             num_views=4)]

    Args:
        mode (str): ``'test'`` or ``'augmented'`` (the training set's
            views). Defaults to 'test'.
        num_views (int): K, the augmented views of the training set.
            Defaults to 1.
        cache_dir (str, optional): where the caches live. Defaults to
            ``features`` under ``$MMPRETRAIN_MLR_CACHE`` (else
            ``~/.cache/mmpretrain_mlr``).
        dtype (str): ``'float32'`` or ``'float16'`` (half the disk).
            Defaults to 'float32'.
        batch_size (int, optional): images per forward while filling.
            Defaults to the dataloader's batch size.
        seed (int): seed of the augmented views (the same for every
            training seed, so seeds share one cache). Defaults to 0.
        splits (Sequence[str]): which dataloaders read from the cache.
            Defaults to ``('train', 'val', 'test')``.
    """

    priority = 'ABOVE_NORMAL'

    def __init__(self,
                 mode: str = 'test',
                 num_views: int = 1,
                 cache_dir: Optional[str] = None,
                 dtype: str = 'float32',
                 batch_size: Optional[int] = None,
                 seed: int = 0,
                 splits: Sequence[str] = SPLITS):
        if mode not in ('test', 'augmented'):
            raise ValueError(f'FeatureCacheHook: mode must be "test" or '
                             f'"augmented", got {mode!r}')
        if mode == 'test' and num_views != 1:
            raise ValueError('FeatureCacheHook: mode="test" has one view; '
                             f'num_views={num_views} needs mode="augmented"')
        if num_views < 1:
            raise ValueError(f'FeatureCacheHook: num_views must be >= 1, '
                             f'got {num_views}')
        if dtype not in ('float32', 'float16'):
            raise ValueError(f'FeatureCacheHook: dtype must be "float32" or '
                             f'"float16", got {dtype!r}')
        unknown = set(splits) - set(SPLITS)
        if unknown:
            raise ValueError(f'FeatureCacheHook: splits must be among '
                             f'{SPLITS}, got {sorted(unknown)}')
        self.mode = mode
        self.num_views = num_views
        self.cache_dir = cache_dir or osp.join(default_cache_dir(),
                                               'features')
        self.dtype = dtype
        self.batch_size = batch_size
        self.seed = seed
        self.splits = tuple(splits)
        self.view_file = None

    # --------------------------------------------------------------- hooks
    def before_train(self, runner) -> None:
        self._install(runner, 'train', runner.train_dataloader)
        if runner.val_loop is not None:
            self._install(runner, 'val', runner.val_loop.dataloader)

    def before_val(self, runner) -> None:
        self._install(runner, 'val', runner.val_loop.dataloader)

    def before_test(self, runner) -> None:
        self._install(runner, 'test', runner.test_loop.dataloader)

    def before_train_epoch(self, runner) -> None:
        if self.view_file is not None:
            write_view(self.view_file, runner.epoch)

    # ------------------------------------------------------------- install
    def _install(self, runner, split: str, dataloader) -> None:
        if split not in self.splits:
            return
        dataset = dataloader.dataset
        if isinstance(getattr(dataset, 'prepare_data', None),
                      CachedSampleReader):
            return
        model = get_ori_model(runner.model)
        depth, weights = self._check_model(model)
        self._check_dataset(dataset, split)
        dataset.full_init()
        pipelines = self._view_pipelines(runner, split, dataset)
        encoder = model.image_encoder
        common = dict(
            encoder=type(encoder).__name__, depth=depth, weights=weights,
            code=keys.code_digest(encoder, model.data_preprocessor),
            preprocessor=keys.preprocessor_description(
                model.data_preprocessor),
            images=keys.images_digest(dataset), dtype=self.dtype)
        batch_size = self.batch_size or dataloader.batch_size or 1

        def encode(samples):
            data = model.data_preprocessor(pseudo_collate(samples), False)
            return encoder.forward_to(data['inputs'], depth)

        stores = []
        for view, (pipeline, view_info) in enumerate(pipelines):

            def sample(i, pipeline=pipeline, view_info=view_info):
                seed = view_seed(self.seed, view_info['view'], i) \
                    if view_info['kind'] == 'augmented' else None
                own = dataset.pipeline
                dataset.pipeline = pipeline
                try:
                    with seeded_randomness(seed):
                        return type(dataset).prepare_data(dataset, i)
                finally:
                    dataset.pipeline = own

            first = sample(0)['inputs']
            description = keys.describe(
                transforms=[keys.transform_description(t)
                            for t in pipeline.transforms[:-1]],
                view=view_info, input_shape=list(first.shape), **common)
            store = FeatureStore(
                osp.join(self.cache_dir, keys.cache_key(description)))
            name = f'{split} ({view_info["kind"]} view' + (
                f' {view + 1} of {len(pipelines)})'
                if view_info['kind'] == 'augmented' else ')')
            fill_store(store, num_samples=len(dataset), sample=sample,
                       encode=encode, dtype=self.dtype,
                       batch_size=batch_size, description=description,
                       name=name)
            stores.append(store)

        view_file = None
        if len(stores) > 1:
            view_file = self.view_file = osp.join(runner.work_dir,
                                                  'feature_cache_view')
            write_view(view_file, runner.epoch)
        dataset.prepare_data = CachedSampleReader(
            dataset, stores, dataset.pipeline.transforms[-1], depth,
            view_file)

    def _view_pipelines(self, runner, split: str, dataset) -> list:
        """``(pipeline, view description)`` of each view of ``split``."""
        if split != 'train':
            return [(dataset.pipeline, dict(kind='test', view=0))]
        if self.mode == 'augmented':
            # view v depends on (seed, v) only: K = 2 reuses K = 1's view
            return [(dataset.pipeline,
                     dict(kind='augmented', view=v, seed=self.seed))
                    for v in range(self.num_views)]
        test_cfg = runner.cfg.get('val_dataloader') or runner.cfg.get(
            'test_dataloader')
        if not test_cfg:
            raise FeatureCacheError(
                'FeatureCacheHook(mode="test") reads the training set '
                'through the test-time pipeline, but the config has no '
                'val_dataloader or test_dataloader to take it from; use '
                'mode="augmented"')
        print_log('feature cache: the training set is read through the '
                  'test-time pipeline (no augmentation)', logger='current')
        return [(Compose(test_cfg['dataset']['pipeline']),
                 dict(kind='test', view=0))]

    def _check_model(self, model) -> Tuple[Optional[int], str]:
        """The encoder depth to cache at and the digest of the frozen
        part's weights; a clear error for a model the cache cannot
        serve."""
        encoder = getattr(model, 'image_encoder', None)
        if not callable(getattr(encoder, 'forward_to', None)):
            raise FeatureCacheError(
                f'FeatureCacheHook: {type(model).__name__} has no image '
                'encoder that can be cut (image_encoder with forward_to / '
                'forward_from, e.g. CLIPImageEncoder, ProjectedBackbone); '
                'for a linear probe on an mmpretrain backbone use '
                'model.type=\'FrozenBackboneClassifier\'')
        if not isinstance(model.data_preprocessor,
                          CacheAwareDataPreprocessor):
            raise FeatureCacheError(
                'FeatureCacheHook: the model\'s data preprocessor is '
                f'{type(model.data_preprocessor).__name__}; cached batches '
                'need CacheAwareDataPreprocessor (model.data_preprocessor.'
                'type)')
        try:
            depth = encoder.frozen_depth()
        except ValueError as err:
            raise FeatureCacheError(f'FeatureCacheHook: {err}') from err
        weights = keys.tensors_digest(encoder.frozen_part_state(depth))
        teacher = getattr(model, 'teacher_image_encoder', None)
        if teacher is not None:
            theirs = keys.tensors_digest(teacher.frozen_part_state(depth))
            if weights != theirs:
                raise FeatureCacheError(
                    'FeatureCacheHook: the teacher\'s frozen part differs '
                    'from the image encoder\'s, so they cannot share one '
                    'cache (a teacher is the tower as loaded; is the '
                    'encoder loaded from a checkpoint that trained it?)')
        return depth, weights

    @staticmethod
    def _check_dataset(dataset, split: str) -> None:
        pipeline = getattr(dataset, 'pipeline', None)
        transforms = getattr(pipeline, 'transforms', None)
        if not callable(getattr(dataset, 'get_data_info', None)) or \
                not transforms:
            raise FeatureCacheError(
                f'FeatureCacheHook: the {split} dataset '
                f'({type(dataset).__name__}) is not a dataset with its own '
                'pipeline (dataset wrappers are not supported)')
        if not hasattr(transforms[-1], 'input_key'):
            raise FeatureCacheError(
                f'FeatureCacheHook: the {split} pipeline must end with '
                f'PackInputs, got {type(transforms[-1]).__name__}')
