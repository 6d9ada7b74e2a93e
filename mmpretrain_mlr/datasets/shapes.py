"""ShapesMultiLabel: a procedural multi-label demo dataset (no files)."""
import math
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmpretrain.registry import DATASETS

from .multilabel_dataset import BaseMultiLabelDataset
from ..utils.checks import check_choice

# Each class is a (colour, shape) pair; every shape comes in several colours
# and every colour in several shapes, so neither alone names the class.
SHAPES_CLASSES = ('red circle', 'green circle', 'blue circle',
                  'yellow circle', 'red square', 'blue square',
                  'yellow square', 'red triangle', 'green triangle',
                  'blue triangle')

# Base colours in BGR, the channel order of images loaded by
# ``LoadImageFromFile`` (so ``to_rgb=True`` in the data preprocessor applies).
BASE_COLOURS_BGR = {
    'red': (30, 30, 230),
    'green': (40, 200, 30),
    'blue': (230, 60, 30),
    'yellow': (30, 220, 230),
}

SPLIT_IDS = {'train': 0, 'val': 1, 'test': 2}


def shape_mask(shape: str, dx: np.ndarray, dy: np.ndarray, radius: float,
               angle: float) -> np.ndarray:
    """Return which points lie inside a shape centred at the origin.

    Args:
        shape (str): 'circle', 'square' or 'triangle'.
        dx (np.ndarray): [H, W] x offsets of the pixel centres.
        dy (np.ndarray): [H, W] y offsets of the pixel centres.
        radius (float): Circumradius of the shape (its bounding box is
            ``2 * radius`` wide).
        angle (float): Rotation in radians.

    Returns:
        np.ndarray: [H, W] bool mask.
    """
    if shape == 'circle':
        return dx * dx + dy * dy <= radius * radius
    if shape == 'square':
        half_side = radius / math.sqrt(2)
        cos, sin = math.cos(angle), math.sin(angle)
        u = dx * cos + dy * sin
        v = dy * cos - dx * sin
        return (np.abs(u) <= half_side) & (np.abs(v) <= half_side)
    if shape == 'triangle':
        # Equilateral triangle: inside all three edges, each at distance
        # radius / 2 (the inradius) from the centre.
        mask = np.ones(dx.shape, dtype=bool)
        for k in range(3):
            phi = angle + 2 * math.pi * k / 3
            mask &= dx * math.cos(phi) + dy * math.sin(phi) <= radius / 2
        return mask
    raise ValueError(f'unknown shape {shape!r}, expected circle, square or '
                     'triangle')


def render_shapes(objects: Sequence[dict], background: dict,
                  image_size: int) -> np.ndarray:
    """Draw an image from its object specs (deterministic, numpy only).

    Args:
        objects (Sequence[dict]): Specs with ``shape``, ``center`` (x, y),
            ``radius``, ``angle`` and ``bgr``.
        background (dict): ``level`` (B, G, R), ``gradient`` (gx, gy) and
            ``noise_seed``, ``noise_std``.
        image_size (int): Height and width S.

    Returns:
        np.ndarray: [S, S, 3] uint8 image in BGR order.
    """
    coords = np.arange(image_size, dtype=np.float32) + 0.5
    ramp = coords / image_size - 0.5  # [S]
    gx, gy = background['gradient']
    shade = gx * ramp[None, :] + gy * ramp[:, None]  # [S, S]
    img = np.asarray(background['level'], np.float32) + shade[..., None]
    for obj in objects:
        cx, cy = obj['center']
        r = obj['radius']
        x0, x1 = max(int(cx - r), 0), min(int(math.ceil(cx + r)), image_size)
        y0, y1 = max(int(cy - r), 0), min(int(math.ceil(cy + r)), image_size)
        dx = coords[None, x0:x1] - cx  # [1, w]
        dy = coords[y0:y1, None] - cy  # [h, 1]
        dx, dy = np.broadcast_arrays(dx, dy)  # [h, w]
        mask = shape_mask(obj['shape'], dx, dy, r, obj['angle'])
        img[y0:y1, x0:x1][mask] = obj['bgr']
    noise = np.random.RandomState(background['noise_seed']).normal(
        0.0, background['noise_std'], img.shape)
    return np.clip(np.rint(img + noise), 0, 255).astype(np.uint8)


def _overlaps(box: Tuple[float, float, float], placed: List[dict]) -> bool:
    """Whether a (cx, cy, r) bounding box touches any placed object's box."""
    cx, cy, r = box
    for obj in placed:
        gap = r + obj['radius'] + 1
        if (abs(cx - obj['center'][0]) < gap
                and abs(cy - obj['center'][1]) < gap):
            return True
    return False


def sample_image_spec(rng: np.random.RandomState, image_size: int,
                      max_objects: int,
                      classes: Sequence[str] = SHAPES_CLASSES) -> dict:
    """Draw the specs of one image: its objects and background.

    Objects are drawn uniformly from ``classes``; their bounding boxes never
    overlap, so each object is fully visible.

    Args:
        rng (np.random.RandomState): The split's generator.
        image_size (int): Height and width S.
        max_objects (int): At most this many objects (at least one).
        classes (Sequence[str]): 'colour shape' names the objects are drawn
            from; ``class_idx`` indexes this list. Defaults to
            :data:`SHAPES_CLASSES`.

    Returns:
        dict: ``objects`` (list of dicts) and ``background`` (dict).
    """
    placed = []
    for _ in range(rng.randint(1, max_objects + 1)):
        class_idx = int(rng.randint(len(classes)))
        colour, shape = classes[class_idx].split(' ')
        for _ in range(30):  # rejection sampling of a free position
            r = float(rng.uniform(0.10, 0.20) * image_size)
            cx, cy = (float(v) for v in rng.uniform(r, image_size - r, 2))
            if not _overlaps((cx, cy, r), placed):
                break
        else:
            continue
        factor = rng.uniform(0.85, 1.0)
        bgr = np.asarray(BASE_COLOURS_BGR[colour]) + rng.randint(-12, 13, 3)
        placed.append(
            dict(
                class_idx=class_idx,
                shape=shape,
                colour=colour,
                center=(cx, cy),
                radius=r,
                angle=float(rng.uniform(0, 2 * math.pi)),
                bgr=tuple(int(v) for v in np.clip(bgr * factor, 0, 255))))
    level = rng.uniform(70, 170) + rng.uniform(-8, 8, 3)
    background = dict(
        level=tuple(float(v) for v in level),
        gradient=tuple(float(v) for v in rng.uniform(-20, 20, 2)),
        noise_seed=int(rng.randint(2**31 - 1)),
        noise_std=5.0)
    return dict(objects=placed, background=background)


def split_seed(seed: int, split: str) -> int:
    """Derive the seed of one split from the dataset seed."""
    check_choice('ShapesMultiLabel', 'split', split, SPLIT_IDS)
    sequence = np.random.SeedSequence([int(seed), SPLIT_IDS[split]])
    return int(sequence.generate_state(1)[0])


@DATASETS.register_module()
class ShapesMultiLabel(BaseMultiLabelDataset):
    """Procedural multi-label demo dataset: coloured shapes, no files.

    Each image shows 1 to ``max_objects`` non-overlapping coloured circles,
    squares and triangles of varying size, position, rotation and shade on a
    mildly noisy, shaded grey background. A class is a (colour, shape) pair
    such as ``'red circle'`` (see :data:`SHAPES_CLASSES`); it is positive when
    the image holds at least one such object. The data infos store only the
    small object specs; the image (``img``, [S, S, 3] uint8, BGR like
    ``LoadImageFromFile``) is rendered on access, identically in every
    process and dataloader worker, so pipelines need no loading transform.

    Every sample is determined by ``(seed, split, image_size, max_objects)``;
    ``val`` and ``test`` use seeds derived from ``seed`` that differ from
    ``train``. Measured on ``split='val'``, 300 images, seed 0: every class is
    positive in 19 % to 26 % of the images (red circle 0.260, green circle
    0.193, blue circle 0.213, yellow circle 0.263, red square 0.220, blue
    square 0.260, yellow square 0.203, red triangle 0.197, green triangle
    0.193, blue triangle 0.203); 2.4 objects and 2.2 positive classes per
    image on average.

    Args:
        num_images (int): Number of images. Defaults to 1000.
        image_size (int): Height and width of the images. Defaults to 64.
        seed (int): Seed of the dataset. Defaults to 0.
        split (str): 'train', 'val' or 'test'. Defaults to 'train'.
        label_protocol (dict | callable, optional): Label protocol, e.g.
            ``dict(type='PartialLabels', p=0.5)``. Defaults to None (full).
        classes (Sequence[str], optional): A subset of
            :data:`SHAPES_CLASSES` to label (the images still show all
            classes). Defaults to None (all ten).
        max_objects (int): Most objects per image. Defaults to 4.
        **kwargs: Other arguments of :class:`BaseMultiLabelDataset`
            (``pipeline``, ``test_mode``, ``indices``, ...).
    """

    METAINFO = dict(classes=SHAPES_CLASSES)

    def __init__(self,
                 num_images: int = 1000,
                 image_size: int = 64,
                 seed: int = 0,
                 split: str = 'train',
                 label_protocol: Union[dict, Callable, None] = None,
                 classes: Optional[Sequence[str]] = None,
                 max_objects: int = 4,
                 **kwargs):
        for name, value, low in (('num_images', num_images, 1),
                                 ('image_size', image_size, 16),
                                 ('max_objects', max_objects, 1)):
            if not isinstance(value, int) or value < low:
                raise ValueError(f'ShapesMultiLabel: `{name}` must be an '
                                 f'integer >= {low}, got {name}={value!r}')
        self.num_images = num_images
        self.image_size = image_size
        self.seed = seed
        self.split = split
        self.max_objects = max_objects
        self._split_seed = split_seed(seed, split)
        super().__init__(
            label_protocol=label_protocol, classes=classes, **kwargs)

    def load_full_labels(self) -> Tuple[List[dict], np.ndarray]:
        """Draw the image specs and their full labels.

        Returns:
            tuple: N data infos (``img_id``, ``objects``, ``background``,
            ``img_shape``, ``ori_shape``) and the [N, C] int8 full labels.
        """
        columns = self._class_columns()
        rng = np.random.RandomState(self._split_seed)
        size = (self.image_size, self.image_size)
        data_list = []
        full = -np.ones((self.num_images, len(columns)), dtype=np.int8)
        for i in range(self.num_images):
            spec = sample_image_spec(rng, self.image_size, self.max_objects)
            for obj in spec['objects']:
                if obj['class_idx'] in columns:
                    full[i, columns[obj['class_idx']]] = 1
            data_list.append(
                dict(
                    img_id=f'shapes-seed{self.seed}-{self.split}-{i:06d}',
                    img_shape=size,
                    ori_shape=size,
                    **spec))
        return data_list, full

    def _class_columns(self) -> dict:
        """Map the index of a class in SHAPES_CLASSES to its label column."""
        classes = self.CLASSES or ()
        unknown = [name for name in classes if name not in SHAPES_CLASSES]
        if unknown:
            raise ValueError(f'ShapesMultiLabel: unknown classes {unknown}; '
                             f'choose from {list(SHAPES_CLASSES)}')
        return {SHAPES_CLASSES.index(name): col
                for col, name in enumerate(classes)}

    def prepare_data(self, idx: int):
        """Render the image of sample ``idx`` and run the pipeline."""
        data_info = self.get_data_info(idx)
        data_info['img'] = render_shapes(data_info['objects'],
                                         data_info['background'],
                                         self.image_size)
        return self.pipeline(data_info)

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        body = [
            f'Split: \t{self.split} (seed {self.seed})',
            f'Image size: \t{self.image_size}',
        ]
        return body + self.label_repr()
