"""Multi-label inference: label sets, named scores and per-class heatmaps
for any image, and for prompt-based models any vocabulary."""
import os.path as osp
from typing import Callable, List, Optional, Sequence, Union

import mmcv
import numpy as np
import torch
from mmcv.image import imread
from mmengine.config import Config
from mmengine.dataset import Compose, default_collate
from mmpretrain.apis.base import BaseInferencer, InputType
from mmpretrain.registry import TRANSFORMS
from mmpretrain.structures import DataSample

from ..utils.frozen_weights import load_checkpoint
from ..utils.vocabulary import resolve_class_names
from .heatmap_drawing import draw_labels_and_heatmaps

RESIZE_TYPES = ('Resize', 'RandomResizedCrop', 'ResizeEdge', 'CenterCrop')


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

    Args:
        model (str | Config): config file or config.
        pretrained (str, optional): checkpoint file, loaded strictly;
            frozen weights it left out are those of the model as built,
            content hash checked (``FrozenWeightsHook``). Defaults to None
            (the weights as built).
        device (str, optional): e.g. ``'cpu'``, ``'cuda:0'``.
        classes (str | Sequence[str], optional): default vocabulary of the
            calls (see :meth:`__call__`). Defaults to the model's
            ``test_class_names``, else the checkpoint's dataset classes.
        cfg_options (dict, optional): overrides merged into the config,
            e.g. ``{'model.clip.pretrained': None}``.

    Examples:
        >>> from mmpretrain_mlr.apis import MultiLabelInferencer
        >>> inferencer = MultiLabelInferencer(
        ...     'configs/demo/dualcoop_shapes.py',
        ...     'work_dirs/demo/dualcoop_shapes/epoch_12.pth')
        >>> result = inferencer('scene.png', topk=2)[0]
        >>> result['labels'], result['scores']['red circle']
        >>> inferencer('scene.png', classes=['red circle', 'green square'])
    """
    forward_kwargs = {'classes', 'thr', 'topk', 'heatmaps'}
    visualize_kwargs = {'show_dir'}
    postprocess_kwargs = {'heatmaps'}

    def __init__(self,
                 model: Union[str, Config],
                 pretrained: Optional[str] = None,
                 device: Optional[str] = None,
                 classes: Union[str, Sequence[str], None] = None,
                 cfg_options: Optional[dict] = None) -> None:
        if isinstance(model, str):
            model = Config.fromfile(model)
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
        if thr is None:
            thr = getattr(getattr(self.model, 'head', None), 'threshold',
                          0.5)
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
            else:
                label = torch.nonzero(score >= thr).flatten()
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
