"""Multi-label inference: label sets, named scores and per-class heatmaps
for any image, and for prompt-based models any vocabulary."""
import difflib
import math
import os.path as osp
from typing import Callable, List, Optional, Sequence, Tuple, Union

import mmcv
import torch
from mmcv.image import imread
from mmengine.config import Config
from mmengine.dataset import Compose, default_collate
from mmpretrain.apis.base import BaseInferencer, InputType
from mmpretrain.registry import TRANSFORMS
from mmpretrain.structures import DataSample

from ..evaluation.class_thresholds import (load_class_thresholds,
                                           thresholds_file_of, thresholds_for)
from ..utils.frozen_weights import load_checkpoint
from ..utils.vocabulary import resolve_class_names
from .heatmap_drawing import draw_labels_and_heatmaps

RESIZE_TYPES = ('Resize', 'RandomResizedCrop', 'ResizeEdge', 'CenterCrop')
CONFIG_SUFFIXES = ('.py', '.json', '.yaml', '.yml')


def resolve_model(model: Union[str, Config]) -> Tuple[Config, Optional[str]]:
    """A config from a config file, a :class:`Config` or a model-index
    name (what ``mmpretrain.get_model`` / ``list_models`` resolve, e.g.
    ``'trm-ml_shapes-clip_shapes-partial'``).

    Args:
        model (str | Config): Config file, config or model name.

    Returns:
        tuple: (config, the model-index weights of a name or None).

    Raises:
        FileNotFoundError: A config path that does not exist.
        ValueError: Neither a file nor a known name (closest names listed).
    """
    if isinstance(model, Config):
        return model, None
    if osp.isfile(model):
        return Config.fromfile(model), None
    if model.endswith(CONFIG_SUFFIXES) or osp.sep in model:
        raise FileNotFoundError(f'config file {model!r} does not exist')
    from mmpretrain.apis import list_models
    from mmpretrain.apis.model import ModelHub
    try:
        info = ModelHub.get(model)
    except ValueError:
        close = difflib.get_close_matches(model, list_models(), n=3)
        hint = f'; did you mean {", ".join(map(repr, close))}?' \
            if close else ''
        raise ValueError(
            f'{model!r} is neither a config file nor a model name of the '
            f'model index (mmpretrain.list_models()){hint}') from None
    return info.config, info.weights


def score_range(model_cfg) -> Tuple[float, float]:
    """The range of ``pred_score`` of a model, from its config alone.

    A head with ``activation='sigmoid'`` (the default of this package's
    heads and of mmpretrain's multi-label heads) scores in [0, 1]; SigRL's
    head without activation scores cosines times ``score_scale`` (a fixed
    scale: [-scale, scale]; a learnable one: unbounded).

    Args:
        model_cfg (dict): The ``model`` field of a config.

    Returns:
        tuple[float, float]: (low, high).
    """
    import inspect

    from mmpretrain.registry import MODELS
    head = dict((model_cfg or {}).get('head') or {})
    kind = head.get('type')
    cls = MODELS.get(kind) if isinstance(kind, str) else kind
    defaults = {}
    if cls is not None:
        defaults = {name: p.default for name, p in
                    inspect.signature(cls.__init__).parameters.items()
                    if p.default is not inspect.Parameter.empty}
    activation = head.get('activation', defaults.get('activation', 'sigmoid'))
    if activation == 'sigmoid':
        return 0., 1.
    if 'score_scale' in defaults and not head.get(
            'learnable_scale', defaults.get('learnable_scale', False)):
        scale = abs(float(head.get('score_scale', defaults['score_scale'])))
        return -scale, scale
    return -math.inf, math.inf


def check_threshold(thr: float, score_range: Tuple[float, float] = (0., 1.)
                    ) -> float:
    """A global threshold: a finite number in ``score_range``.

    Raises:
        ValueError: Naming the value and the range.
    """
    low, high = score_range
    if not isinstance(thr, (int, float)) or not math.isfinite(thr) or \
            not low <= thr <= high:
        raise ValueError(f'threshold {thr!r}: expected a number in '
                         f'[{low:g}, {high:g}], the range of the scores')
    return float(thr)


class MultiLabelInferencer(BaseInferencer):
    """Label sets, scores by class name and, for dense heads, per-class
    heatmaps of images, in mmpretrain's inferencer style.

    The model comes from a config (file or :class:`Config`) and a
    checkpoint. A prompt-based model (one with ``text_features``, e.g.
    ``CLIPPromptClassifier``) scores any vocabulary given at call time;
    its text features are computed once per vocabulary. Heads with a
    ``class_heatmaps(feats, image_size)`` method (``DualCoOpHead``: its
    spatial weights; ``TRMHead``: its category queries' attention) give a
    map per class, each summing to 1 over the feature grid.

    The test pipeline of the config prepares the images, without its
    ``LoadImageFromFile`` (images are read here); when it does not resize
    and its dataset has an ``image_size`` (images rendered in code, as the
    shapes demo), a ``Resize`` to that size is put first. Arrays are
    expected in BGR order, as ``mmcv.imread`` returns them.

    Per-class thresholds (``tools/analysis_tools/fit_thresholds.py``) are
    applied when the checkpoint has a thresholds file beside it
    (``epoch_12.pth`` -> ``epoch_12.thresholds.json``), matched to the
    vocabulary by class name; :attr:`thresholds_applied` says which
    thresholds a call without ``thr`` / ``topk`` applies.

    Args:
        model (str | Config): config file, config, or a model-index name
            (as ``mmpretrain.get_model`` / ``list_models`` resolve them,
            e.g. ``'trm-ml_shapes-clip_shapes-partial'``).
        pretrained (str | bool, optional): checkpoint file, loaded strictly;
            frozen weights it left out are those of the model as built,
            content hash checked (``FrozenWeightsHook``); ``True``: the
            weights the model index names for a model name. Defaults to
            None (the weights as built).
        device (str, optional): e.g. ``'cpu'``, ``'cuda:0'``.
        classes (str | Sequence[str], optional): default vocabulary of the
            calls (see :meth:`__call__`). Defaults to the model's
            ``test_class_names``, else the checkpoint's dataset classes.
        cfg_options (dict, optional): overrides merged into the config,
            e.g. ``{'model.clip.pretrained': None}``.
        thresholds (str | dict | Sequence[float] | float, optional): the
            per-class thresholds: ``'auto'`` (the checkpoint's thresholds
            file if there is one, else the head's threshold), a thresholds
            file, ``{class name: threshold}``, [C] values, a number for
            every class, or None (the head's threshold). Defaults to
            ``'auto'``.

    Examples:
        >>> from mmpretrain_mlr.apis import MultiLabelInferencer
        >>> inferencer = MultiLabelInferencer(
        ...     'configs/demo/dualcoop_shapes.py',
        ...     'work_dirs/demo/dualcoop_shapes/epoch_12.pth')
        >>> result = inferencer('scene.png', topk=2)[0]
        >>> result['labels'], result['scores']['red circle']
        >>> inferencer('scene.png', classes=['red circle', 'green square'])
        >>> MultiLabelInferencer('trm-ml_shapes-clip_shapes-partial',
        ...                      'work_dirs/demo/trm_ml_shapes/epoch_12.pth')
    """
    forward_kwargs = {'classes', 'thr', 'topk', 'heatmaps'}
    visualize_kwargs = {'show_dir'}
    postprocess_kwargs = {'heatmaps'}

    def __init__(self,
                 model: Union[str, Config],
                 pretrained: Optional[str] = None,
                 device: Optional[str] = None,
                 classes: Union[str, Sequence[str], None] = None,
                 cfg_options: Optional[dict] = None,
                 thresholds='auto') -> None:
        model, weights = resolve_model(model)
        if pretrained is True:
            if not weights:
                raise ValueError('pretrained=True: the model index names no '
                                 'weights for this model; give a checkpoint')
            pretrained = weights
        if cfg_options:
            model = model.copy()
            model.merge_from_dict(cfg_options)
        super().__init__(model=model, pretrained=False, device=device)
        if pretrained:
            # frozen weights the checkpoint left out are checked and kept
            meta = load_checkpoint(self.model, pretrained).get('meta', {})
            if 'dataset_meta' in meta:
                self.model._dataset_meta = meta['dataset_meta']
        self.prompt_based = callable(
            getattr(self.model, 'text_features', None))
        if classes is not None:
            self.classes = self._check_vocabulary(classes)
        elif self.prompt_based:
            self.classes = list(self.model.test_class_names)
        else:
            names = getattr(self.model, '_dataset_meta', {}).get('classes')
            self.classes = list(names) if names else None
        self.head_threshold = float(getattr(
            getattr(self.model, 'head', None), 'threshold', 0.5))
        self.class_thresholds = self._resolve_thresholds(
            thresholds, pretrained if isinstance(pretrained, str) else None)

    # ------------------------------------------------------------ thresholds
    def _resolve_thresholds(self, thresholds, checkpoint: Optional[str]):
        """The thresholds table (``{'thresholds': {name: thr}, ...}``) or
        None for the head's single threshold."""
        if thresholds is None:
            return None
        if isinstance(thresholds, str) and thresholds == 'auto':
            path = thresholds_file_of(checkpoint) if checkpoint else None
            if path is None or not osp.isfile(path) or '://' in path:
                return None
            return load_class_thresholds(path)
        if isinstance(thresholds, str):
            if not osp.isfile(thresholds):
                raise FileNotFoundError(
                    f'thresholds file {thresholds!r} does not exist')
            return load_class_thresholds(thresholds)
        if isinstance(thresholds, (int, float)):
            check_threshold(thresholds)
            return dict(thresholds={}, default=float(thresholds),
                        path='(one value)')
        if isinstance(thresholds, dict):
            table = thresholds.get('thresholds', thresholds)
            return dict(thresholds={str(k): float(v)
                                    for k, v in table.items()},
                        default=self.head_threshold, path='(dict)')
        values = [float(v) for v in thresholds]
        if self.classes is None or len(values) != len(self.classes):
            raise ValueError(f'thresholds: {len(values)} values, but the '
                             f'vocabulary has '
                             f'{len(self.classes or [])} classes')
        return dict(thresholds=dict(zip(self.classes, values)),
                    default=self.head_threshold, path='(list)')

    @property
    def thresholds_applied(self) -> str:
        """Which thresholds a call without ``thr`` / ``topk`` applies."""
        if self.class_thresholds is None:
            return f'the head\'s threshold {self.head_threshold:g} for ' \
                'every class'
        data = self.class_thresholds
        known = [n for n in (self.classes or []) if n in data['thresholds']]
        return (f'per-class thresholds from {data.get("path")} '
                f'({len(known)} of {len(self.classes or [])} classes; '
                f'{data.get("objective", "given")}'
                + (f', fitted on {data["fitted_on"].get("split", "?")}'
                   if isinstance(data.get('fitted_on'), dict) else '')
                + f'), {data.get("default", self.head_threshold):g} for '
                'the others')

    def class_threshold_vector(self, names: Sequence[str]) -> torch.Tensor:
        """[C] thresholds of the vocabulary ``names``."""
        if self.class_thresholds is None:
            return torch.full((len(names), ), self.head_threshold,
                              dtype=torch.float64)
        return torch.from_numpy(thresholds_for(names, self.class_thresholds))

    # ------------------------------------------------------------ inputs
    def _init_pipeline(self, cfg: Config) -> Callable:
        dataset = cfg.test_dataloader.dataset
        steps = [t for t in dataset.pipeline
                 if t['type'] not in ('LoadImageFromFile',
                                      'mmpretrain.LoadImageFromFile')]
        size = dataset.get('image_size')
        resizes = any(t['type'].split('.')[-1] in RESIZE_TYPES
                      for t in steps)
        if size is not None and not resizes:
            size = (size, size) if isinstance(size, int) else tuple(size)
            steps.insert(0, dict(type='Resize', scale=size))
        return Compose([TRANSFORMS.build(t) for t in steps])

    def preprocess(self, inputs: List[InputType], batch_size: int = 1):

        def load_image(input_):
            img = imread(input_)
            if img is None:
                raise ValueError(f'cannot read the image {input_!r}; '
                                 'expected an image file or a [H, W, 3] '
                                 'array')
            return dict(img=img, img_shape=img.shape[:2],
                        ori_shape=img.shape[:2])

        pipeline = Compose([load_image, self.pipeline])
        chunks = self._get_chunk_data(map(pipeline, inputs), batch_size)
        yield from map(default_collate, chunks)

    def _check_vocabulary(self, classes) -> List[str]:
        """Resolve a vocabulary given to the inferencer or a call."""
        if not self.prompt_based:
            raise ValueError(
                f'`classes`: {type(self.model).__name__} scores a fixed '
                'set of classes; a vocabulary at call time needs a '
                'prompt-based model such as CLIPPromptClassifier')
        return resolve_class_names(classes, 'classes')

    # ------------------------------------------------------------ forward
    @torch.no_grad()
    def forward(self,
                data: dict,
                classes: Union[str, Sequence[str], None] = None,
                thr: Optional[float] = None,
                topk: Optional[int] = None,
                heatmaps: bool = False) -> List[DataSample]:
        """Scores, label sets and (optionally) heatmaps of one batch.

        Sets per data sample ``pred_score`` [C], ``pred_label`` (the label
        set), metainfo ``classes`` (the vocabulary) and, with ``heatmaps``,
        ``heatmaps`` [C, h, w].
        """
        if thr is not None and topk is not None:
            raise ValueError('give `thr` or `topk`, not both')
        names = (self._check_vocabulary(classes)
                 if classes is not None else self.classes)
        data = self.model.data_preprocessor(data, False)
        inputs, samples = data['inputs'], data['data_samples']
        maps = None
        if self.prompt_based:
            feats = self.model.extract_feat(inputs, names)
            samples = self.model.head.predict(feats, samples)
            if heatmaps:
                if not callable(getattr(self.model.head, 'class_heatmaps',
                                        None)):
                    raise ValueError(
                        f'`heatmaps`: {type(self.model.head).__name__} has '
                        'no class_heatmaps(); heatmaps need a dense head '
                        '(DualCoOpHead, TRMHead)')
                maps = self.model.head.class_heatmaps(
                    feats, inputs.shape[-2:])  # [B, C, h, w]
        else:
            if heatmaps:
                raise ValueError(f'`heatmaps`: {type(self.model).__name__} '
                                 'gives no per-class maps')
            samples = self.model.predict(inputs, samples)
        for i, sample in enumerate(samples):
            score = sample.pred_score
            if names is not None and score.numel() != len(names):
                raise ValueError(f'the model scores {score.numel()} classes '
                                 f'but the vocabulary has {len(names)} names')
            if topk is not None:
                if not 0 < topk <= score.numel():
                    raise ValueError(f'`topk` must be in [1, '
                                     f'{score.numel()}], got {topk}')
                label = score.topk(topk).indices
            elif thr is not None:
                label = torch.nonzero(score >= thr).flatten()
            else:  # the head's threshold, or per-class thresholds
                vocab = names if names is not None else [
                    str(k) for k in range(score.numel())]
                cut = self.class_threshold_vector(vocab).to(score.device)
                label = torch.nonzero(score.double() >= cut).flatten()
            sample.set_pred_label(label)
            sample.set_metainfo(dict(classes=names))
            if maps is not None:
                sample.set_field(maps[i].cpu(), 'heatmaps', field_type='data')
        return samples

    # ------------------------------------------------------------ outputs
    def visualize(self, ori_inputs: List[InputType],
                  preds: List[DataSample],
                  show_dir: Optional[str] = None) -> Optional[list]:
        """With ``show_dir``, write each image with its labels and scores
        and, with heatmaps, one overlay per predicted class, as
        ``<show_dir>/<image name>.png`` (array inputs: ``<index>.png``)."""
        if show_dir is None:
            return None
        pictures = []
        for i, (input_, sample) in enumerate(zip(ori_inputs, preds)):
            image = imread(input_)[..., ::-1]  # RGB
            names = self._names(sample)
            labels = sample.pred_label.tolist()
            scores = sample.pred_score.tolist()
            maps = (sample.heatmaps[labels].numpy()
                    if 'heatmaps' in sample else None)
            picture = draw_labels_and_heatmaps(
                image, [names[k] for k in labels],
                [scores[k] for k in labels], maps)
            name = (osp.splitext(osp.basename(input_))[0]
                    if isinstance(input_, str) else str(i))
            mmcv.imwrite(picture[..., ::-1], osp.join(show_dir, f'{name}.png'))
            pictures.append(picture)
        return pictures

    @staticmethod
    def _names(sample: DataSample) -> List[str]:
        names = sample.get('classes')
        if names is None:
            names = [str(k) for k in range(sample.pred_score.numel())]
        return list(names)

    def postprocess(self, preds: List[DataSample],
                    visualization: Optional[list],
                    return_datasamples: bool = False,
                    heatmaps: bool = False) -> list:
        """Per image: ``labels`` (names of the label set, best first),
        ``scores`` (name -> score, every class), ``pred_scores`` ([C]
        array) and, with ``heatmaps``, ``heatmaps`` (name -> [h, w] array
        of each predicted class)."""
        if return_datasamples:
            return preds
        results = []
        for sample in preds:
            names = self._names(sample)
            score = sample.pred_score.cpu()
            labels = sorted(sample.pred_label.tolist(),
                            key=lambda k: -float(score[k]))
            result = dict(
                labels=[names[k] for k in labels],
                scores={name: float(s) for name, s in zip(names, score)},
                pred_scores=score.numpy())
            if heatmaps:
                result['heatmaps'] = {
                    names[k]: sample.heatmaps[k].numpy() for k in labels}
            results.append(result)
        return results
