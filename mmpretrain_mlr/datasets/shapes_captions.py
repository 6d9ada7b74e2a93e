"""ShapesCaptions: shapes scenes over every colour-shape pair, captioned."""
from collections import Counter
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmpretrain.registry import DATASETS

from .multilabel_dataset import BaseMultiLabelDataset
from .shapes import SPLIT_IDS, render_shapes, sample_image_spec, split_seed

SHAPES_COLOURS = ('red', 'green', 'blue', 'yellow')
SHAPES_KINDS = ('circle', 'square', 'triangle')
# All 12 colour-shape pairs, shape-major like the demo's 10-class list
# (which leaves out 'green square' and 'yellow triangle').
SHAPES_ALL_CLASSES = tuple(f'{colour} {shape}' for shape in SHAPES_KINDS
                           for colour in SHAPES_COLOURS)

CAPTION_TEMPLATES = (
    '{}',
    '{}.',
    'a picture of {}.',
    'an image with {}.',
    'there is {}.',
    'a rendering of {}.',
    '{} on a grey background.',
    'a drawing showing {}.',
)
COUNT_WORDS = ('zero', 'a', 'two', 'three', 'four', 'five', 'six', 'seven',
               'eight')


def describe_objects(names: Sequence[str], rng: np.random.RandomState,
                     template: str = '{}') -> str:
    """Caption a scene from the names of its objects.

    Equal objects are counted ("two red circles"), the groups are listed in
    a random order ("a blue square, two red circles and a green triangle")
    and the list fills ``template``.

    Args:
        names (Sequence[str]): 'colour shape' name of every object.
        rng (np.random.RandomState): Draws the order of the groups.
        template (str): Sentence with one ``{}`` for the object list.

    Returns:
        str: The caption.
    """
    counts = Counter(names)
    groups = sorted(counts)  # a canonical order before the shuffle
    phrases = []
    for k in rng.permutation(len(groups)):
        name, count = groups[k], counts[groups[k]]
        if count >= len(COUNT_WORDS):
            raise ValueError(f'describe_objects: {count} objects of one kind '
                             f'({name!r}); at most {len(COUNT_WORDS) - 1}')
        phrases.append(f'{COUNT_WORDS[count]} {name}' +
                       ('s' if count > 1 else ''))
    listed = phrases[0] if len(phrases) == 1 else (
        ', '.join(phrases[:-1]) + ' and ' + phrases[-1])
    return template.format(listed)


@DATASETS.register_module()
class ShapesCaptions(BaseMultiLabelDataset):
    """Shapes scenes over all 12 colour-shape pairs, each with a caption.

    The scenes come from the renderer of :class:`ShapesMultiLabel` (same
    sizes, shading and noise), but their objects are drawn from all of
    :data:`SHAPES_ALL_CLASSES`, including the two pairs the shapes demo
    leaves out of its vocabulary. Each image carries a caption naming its
    objects with counts, in a random order and one of
    :data:`CAPTION_TEMPLATES` (``caption`` in the data info; pack it with
    ``PackInputs(algorithm_keys=('caption', ))``), and full labels over the
    12 pairs, so the same scenes also serve as a multi-label (zero-shot)
    evaluation set.

    Every sample (scene and caption) is determined by ``(seed, split,
    image_size, max_objects)``; captions use their own generator, so the
    scenes are those of a caption-free draw.

    Args:
        num_images (int): Number of images. Defaults to 1000.
        image_size (int): Height and width of the images. Defaults to 64.
        seed (int): Seed of the dataset. Defaults to 0.
        split (str): 'train', 'val' or 'test'. Defaults to 'train'.
        max_objects (int): Most objects per image. Defaults to 4.
        cache_images (bool): Keep every image after its first rendering
            (``num_images * image_size**2 * 3`` bytes), so later epochs
            skip the drawing. Defaults to False.
        label_protocol (dict | callable, optional): Label protocol.
            Defaults to None (full labels).
        classes (Sequence[str], optional): A subset of
            :data:`SHAPES_ALL_CLASSES` to label. Defaults to None (all 12).
        **kwargs: Other arguments of :class:`BaseMultiLabelDataset`.
    """

    METAINFO = dict(classes=SHAPES_ALL_CLASSES)

    def __init__(self,
                 num_images: int = 1000,
                 image_size: int = 64,
                 seed: int = 0,
                 split: str = 'train',
                 max_objects: int = 4,
                 cache_images: bool = False,
                 label_protocol: Union[dict, Callable, None] = None,
                 classes: Optional[Sequence[str]] = None,
                 **kwargs):
        for name, value, low in (('num_images', num_images, 1),
                                 ('image_size', image_size, 16),
                                 ('max_objects', max_objects, 1)):
            if not isinstance(value, int) or value < low:
                raise ValueError(f'ShapesCaptions: `{name}` must be an '
                                 f'integer >= {low}, got {name}={value!r}')
        self.num_images = num_images
        self.image_size = image_size
        self.seed = seed
        self.split = split
        self.max_objects = max_objects
        self._split_seed = split_seed(seed, split)
        self._images = None
        if cache_images:
            self._images = np.zeros((num_images, image_size, image_size, 3),
                                    np.uint8)  # [N, S, S, 3], BGR
            self._rendered = np.zeros(num_images, bool)
        super().__init__(
            label_protocol=label_protocol, classes=classes, **kwargs)

    def load_full_labels(self) -> Tuple[List[dict], np.ndarray]:
        """Draw the scenes, their captions and their full labels.

        Returns:
            tuple: N data infos (``img_id``, ``objects``, ``background``,
            ``caption``, ``img_shape``, ``ori_shape``) and the [N, C] int8
            full labels.
        """
        classes = self.CLASSES or ()
        unknown = [name for name in classes if name not in SHAPES_ALL_CLASSES]
        if unknown:
            raise ValueError(f'ShapesCaptions: unknown classes {unknown}; '
                             f'choose from {list(SHAPES_ALL_CLASSES)}')
        column = {name: col for col, name in enumerate(classes)}
        scene_rng = np.random.RandomState(self._split_seed)
        caption_rng = np.random.RandomState(
            np.random.SeedSequence([int(self.seed), SPLIT_IDS[self.split],
                                    1]).generate_state(1)[0])
        size = (self.image_size, self.image_size)
        data_list = []
        full = -np.ones((self.num_images, len(classes)), dtype=np.int8)
        for i in range(self.num_images):
            spec = sample_image_spec(scene_rng, self.image_size,
                                     self.max_objects, SHAPES_ALL_CLASSES)
            names = [SHAPES_ALL_CLASSES[obj['class_idx']]
                     for obj in spec['objects']]
            for name in names:
                if name in column:
                    full[i, column[name]] = 1
            template = CAPTION_TEMPLATES[caption_rng.randint(
                len(CAPTION_TEMPLATES))]
            data_list.append(
                dict(
                    img_id=f'shapes-captions-seed{self.seed}-{self.split}-'
                    f'{i:06d}',
                    caption=describe_objects(names, caption_rng, template),
                    img_shape=size,
                    ori_shape=size,
                    **spec))
        return data_list, full

    def image(self, idx: int) -> np.ndarray:
        """The [S, S, 3] uint8 BGR image of sample ``idx``."""
        if self._images is not None and self._rendered[idx]:
            return self._images[idx].copy()
        info = self.get_data_info(idx)
        img = render_shapes(info['objects'], info['background'],
                            self.image_size)
        if self._images is not None:
            self._images[idx] = img
            self._rendered[idx] = True
        return img

    def prepare_data(self, idx: int):
        """Render the image of sample ``idx`` and run the pipeline."""
        data_info = self.get_data_info(idx)
        data_info['img'] = self.image(idx)
        return self.pipeline(data_info)

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        body = [
            f'Split: \t{self.split} (seed {self.seed})',
            f'Image size: \t{self.image_size}',
        ]
        return body + self.label_repr()
