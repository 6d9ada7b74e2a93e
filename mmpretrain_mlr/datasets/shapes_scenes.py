"""ShapesScenes: procedural scenes with the statistics of real multi-label
data (many classes, long tail, co-occurrence, small and hidden objects)."""
from collections import Counter
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmpretrain.registry import DATASETS

from .multilabel_dataset import BaseMultiLabelDataset
from .scene_render import render_scene, resolve_occlusion
from .scene_world import SCENE_CLASSES, SceneWorld, object_names
from .shapes import SPLIT_IDS, split_seed
from .shapes_captions import CAPTION_TEMPLATES, COUNT_WORDS, describe_objects


@DATASETS.register_module()
class ShapesScenes(BaseMultiLabelDataset):
    """Procedural scenes of 48 colour-shape classes, with object masks.

    A scene draws a latent context, which favours a few classes, then 1 to
    ``world.max_objects`` class objects (a share of them context-free) and
    some distractors (objects of no class), of sizes from a fraction of a
    percent to a fifth of the image, anywhere, overlapping: later objects
    hide earlier ones, and an object left less than ``min_visible`` visible
    is dropped. Backgrounds are textured (colour blobs, stripes, noise).
    Class frequencies are long-tailed and classes of one context co-occur;
    ``tools/analysis_tools/scene_statistics.py`` prints the realised figures
    next to COCO's and VOC's.

    A class is positive when at least one of its objects is in the scene.
    The data infos hold the small specs (``objects`` with ``class_idx`` (-1
    for a distractor), ``area`` and ``visible`` share, ``background``,
    ``context`` and a ``caption`` naming the objects); the image is
    rendered on access, identically in every process. With
    ``with_object_map=True`` a sample also carries ``object_map`` ([S, S]
    int16 index of the visible object, -1 background) and
    ``object_columns`` (each object's label column, -1 if none), from which
    :meth:`class_masks` gives every class's visible mask.

    Every sample is determined by ``(seed, split, image_size, world)``.

    Args:
        num_images (int): Number of images. Defaults to 1000.
        image_size (int): Height and width. Defaults to 128 (64 patch
            tokens of a patch-16 ViT).
        seed (int): Seed of the dataset. Defaults to 0.
        split (str): 'train', 'val' or 'test'. Defaults to 'train'.
        world (dict, optional): Arguments of :class:`SceneWorld` (world
            seed, class frequencies, contexts, object counts and sizes).
            Defaults to None (its defaults).
        cache_images (bool): Keep every image after its first rendering.
            Defaults to False.
        with_object_map (bool): Add ``object_map`` and ``object_columns``
            to each sample. Defaults to False.
        caption_share (float): Each kind of object in a scene is named in
            its caption with this probability (at least one kind is), as
            real captions name some of what a photo shows; 1 names every
            object. Defaults to 1.
        label_protocol (dict | callable, optional): Label protocol.
            Defaults to None (full labels).
        classes (Sequence[str], optional): A subset of
            :data:`SCENE_CLASSES` to label. Defaults to None (all 48).
        **kwargs: Other arguments of :class:`BaseMultiLabelDataset`.
    """

    METAINFO = dict(classes=SCENE_CLASSES)

    def __init__(self,
                 num_images: int = 1000,
                 image_size: int = 128,
                 seed: int = 0,
                 split: str = 'train',
                 world: Optional[dict] = None,
                 cache_images: bool = False,
                 with_object_map: bool = False,
                 caption_share: float = 1.0,
                 label_protocol: Union[dict, Callable, None] = None,
                 classes: Optional[Sequence[str]] = None,
                 **kwargs):
        for name, value, low in (('num_images', num_images, 1),
                                 ('image_size', image_size, 32)):
            if not isinstance(value, int) or value < low:
                raise ValueError(f'ShapesScenes: `{name}` must be an '
                                 f'integer >= {low}, got {name}={value!r}')
        self.num_images = num_images
        self.image_size = image_size
        self.seed = seed
        self.split = split
        self.world = SceneWorld(**(world or {}))
        self.with_object_map = with_object_map
        if not 0 < caption_share <= 1:
            raise ValueError('ShapesScenes: `caption_share` must be in '
                             f'(0, 1], got {caption_share!r}')
        self.caption_share = caption_share
        self._split_seed = split_seed(seed, split)
        self._images = None
        if cache_images:
            self._images = np.zeros((num_images, image_size, image_size, 3),
                                    np.uint8)  # [N, S, S, 3], BGR
            self._maps = np.zeros((num_images, image_size, image_size),
                                  np.int16)  # [N, S, S]
            self._rendered = np.zeros(num_images, bool)
        super().__init__(
            label_protocol=label_protocol, classes=classes, **kwargs)

    def load_full_labels(self) -> Tuple[List[dict], np.ndarray]:
        """Draw the scenes, their captions and their full labels.

        Returns:
            tuple: N data infos and the [N, C] int8 full labels.
        """
        columns = self.class_columns()
        scene_rng = np.random.RandomState(self._split_seed)
        caption_rng = np.random.RandomState(
            np.random.SeedSequence([int(self.seed), SPLIT_IDS[self.split],
                                    1]).generate_state(1)[0])
        size = (self.image_size, self.image_size)
        data_list = []
        full = -np.ones((self.num_images, len(self.CLASSES)), dtype=np.int8)
        for i in range(self.num_images):
            spec = self.world.sample_scene(scene_rng, self.image_size)
            spec['objects'] = resolve_occlusion(
                spec['objects'], self.image_size, self.world.min_visible)
            for obj in spec['objects']:
                if obj['class_idx'] in columns:
                    full[i, columns[obj['class_idx']]] = 1
            template = CAPTION_TEMPLATES[caption_rng.randint(
                len(CAPTION_TEMPLATES))]
            data_list.append(
                dict(
                    img_id=f'shapes-scenes-seed{self.seed}-{self.split}-'
                    f'{i:06d}',
                    caption=caption(spec['objects'], caption_rng, template,
                                    self.caption_share),
                    img_shape=size,
                    ori_shape=size,
                    **spec))
        return data_list, full

    def class_columns(self) -> dict:
        """Map the index of a class in SCENE_CLASSES to its label column."""
        classes = self.CLASSES or ()
        unknown = [name for name in classes if name not in SCENE_CLASSES]
        if unknown:
            raise ValueError(f'ShapesScenes: unknown classes {unknown}; '
                             f'choose from {list(SCENE_CLASSES)}')
        return {SCENE_CLASSES.index(name): col
                for col, name in enumerate(classes)}

    def render(self, idx: int) -> Tuple[np.ndarray, np.ndarray]:
        """The [S, S, 3] uint8 BGR image and [S, S] int16 object map of
        sample ``idx``."""
        if self._images is not None and self._rendered[idx]:
            return self._images[idx].copy(), self._maps[idx].copy()
        info = self.get_data_info(idx)
        img, object_map = render_scene(info['objects'], info['background'],
                                       self.image_size)
        if self._images is not None:
            self._images[idx], self._maps[idx] = img, object_map
            self._rendered[idx] = True
        return img, object_map

    def object_columns(self, idx: int) -> np.ndarray:
        """[K] label column of each object of sample ``idx`` (-1: none)."""
        columns = self.class_columns()
        return np.asarray([
            columns.get(obj['class_idx'], -1)
            for obj in self.get_data_info(idx)['objects']
        ], np.int64)

    def class_masks(self, idx: int) -> dict:
        """``{column: [S, S] bool visible mask}`` of each class present in
        sample ``idx``."""
        _, object_map = self.render(idx)
        masks = {}
        for k, col in enumerate(self.object_columns(idx)):
            if col >= 0:
                masks[int(col)] = masks.get(int(col), False) | (
                    object_map == k)
        return masks

    def prepare_data(self, idx: int):
        """Render the image of sample ``idx`` and run the pipeline."""
        data_info = self.get_data_info(idx)
        data_info['img'], object_map = self.render(idx)
        if self.with_object_map:
            data_info['object_map'] = object_map
            data_info['object_columns'] = self.object_columns(idx)
        return self.pipeline(data_info)

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        body = [
            f'Split: \t{self.split} (seed {self.seed})',
            f'Image size: \t{self.image_size}',
        ]
        return body + self.label_repr()


def caption(objects: Sequence[dict], rng: np.random.RandomState,
            template: str, share: float = 1.0) -> str:
    """Caption naming the objects of a scene, distractors included, with
    counts (at most eight of a kind are counted). With ``share < 1`` each
    kind of object is named with that probability, at least one kind."""
    counts = Counter(object_names(objects))
    kinds = sorted(counts)
    if share < 1:
        named = rng.uniform(size=len(kinds)) < share
        named[rng.randint(len(kinds))] = True
        kinds = [k for k, keep in zip(kinds, named) if keep]
    names = [name for name in kinds
             for _ in range(min(counts[name], len(COUNT_WORDS) - 1))]
    return describe_objects(names, rng, template)
