"""COCOMultiLabel: MS-COCO image-level labels from the instances JSON."""
import json
from typing import Dict, List, Optional, Set, Tuple

import numpy as np
from mmengine.fileio import exists, get_text, join_path
from mmpretrain.registry import DATASETS

from .multilabel_dataset import BaseMultiLabelDataset
from ..utils.checks import check_choice

# The 80 COCO categories in ascending category id (1, 2, ..., 90 with gaps).
COCO_CLASSES = (
    'person', 'bicycle', 'car', 'motorcycle', 'airplane', 'bus', 'train',
    'truck', 'boat', 'traffic light', 'fire hydrant', 'stop sign',
    'parking meter', 'bench', 'bird', 'cat', 'dog', 'horse', 'sheep', 'cow',
    'elephant', 'bear', 'zebra', 'giraffe', 'backpack', 'umbrella',
    'handbag', 'tie', 'suitcase', 'frisbee', 'skis', 'snowboard',
    'sports ball', 'kite', 'baseball bat', 'baseball glove', 'skateboard',
    'surfboard', 'tennis racket', 'bottle', 'wine glass', 'cup', 'fork',
    'knife', 'spoon', 'bowl', 'banana', 'apple', 'sandwich', 'orange',
    'broccoli', 'carrot', 'hot dog', 'pizza', 'donut', 'cake', 'chair',
    'couch', 'potted plant', 'bed', 'dining table', 'toilet', 'tv',
    'laptop', 'mouse', 'remote', 'keyboard', 'cell phone', 'microwave',
    'oven', 'toaster', 'sink', 'refrigerator', 'book', 'clock', 'vase',
    'scissors', 'teddy bear', 'hair drier', 'toothbrush')

COCO_SPLITS = ('train', 'val')
COCO_IMAGE_ORDERS = ('id', 'id_text', 'file', 'first_annotation')


def _is_int(value) -> bool:
    return type(value) is int  # JSON integers; excludes bool and float


def _skip_float(text: str) -> None:
    """``parse_float`` of the JSON reader: fractional numbers are not kept.

    Only ids and names are needed; boxes, areas and polygons are the bulk of
    an instances file, and not converting them roughly halves parse time and
    cuts the parsed object's memory about three-fold.
    """
    return None


@DATASETS.register_module()
class COCOMultiLabel(BaseMultiLabelDataset):
    """MS-COCO 2014 multi-label dataset (image-level object labels).

    Reads the layout of the official download::

        data_root/
        ├── annotations/instances_train2014.json
        ├── annotations/instances_val2014.json
        ├── train2014/COCO_train2014_000000000009.jpg ...
        └── val2014/COCO_val2014_000000000042.jpg ...

    A class is positive for an image when any of its annotations (crowd ones
    included) has that category, negative otherwise. Columns are the
    categories in ascending category id; the class names are the JSON's
    category names (already readable prompt text) unless ``classes`` or
    ``metainfo`` gives others (one per category). ``img_id`` is the image's
    file name.

    The canonical order, on which the label protocols draw, is chosen by
    ``image_order``:

    - ``'id'``: ascending image id (the default).
    - ``'id_text'``: image ids sorted as text ("100" before "9"), the order
      of the single-positive benchmark (Cole et al., ``format_coco.py``).
    - ``'file'``: the order of the JSON ``images`` list (pycocotools'
      ``coco.imgs``, used by the HCP-MLR-PL code of SST / SARB).
    - ``'first_annotation'``: the order in which images first appear in the
      JSON ``annotations`` list (pycocotools' ``coco.imgToAnns``, used by
      the DualCoOp code); images without annotations follow in file order.

    Args:
        data_root (str): The COCO folder holding ``annotations/`` and the
            image folders.
        split (str): ``'train'`` or ``'val'``; picks
            ``annotations/instances_{split}2014.json`` and ``{split}2014/``.
            Defaults to ``'train'``.
        ann_file (str, optional): Instances JSON (relative to ``data_root``)
            used instead of the split's. Defaults to None.
        data_prefix (str | dict, optional): Image folder (relative to
            ``data_root``) used instead of the split's. Defaults to None.
        keep_empty_images (bool): Keep images without any annotation (all
            classes negative): 82,783 train / 40,504 val images instead of
            82,081 / 40,137. Defaults to False.
        image_order (str): The canonical order, see above. Defaults to
            ``'id'``.
        **kwargs: Other arguments of :class:`BaseMultiLabelDataset`
            (``label_protocol``, ``holdout``, ``missing_images``,
            ``classes``, ``pipeline``, ``test_mode``, ...).

    Examples:
        >>> train = COCOMultiLabel(
        ...     'data/coco', split='train',
        ...     label_protocol=dict(type='PartialLabels', p=0.1))
        >>> test = COCOMultiLabel('data/coco', split='val', test_mode=True)
    """

    METAINFO = dict(classes=COCO_CLASSES)

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 ann_file: Optional[str] = None,
                 data_prefix=None,
                 keep_empty_images: bool = False,
                 image_order: str = 'id',
                 classes=None,
                 metainfo: Optional[dict] = None,
                 **kwargs):
        check_choice('COCOMultiLabel', 'split', split, COCO_SPLITS)
        check_choice('COCOMultiLabel', 'image_order', image_order,
                     COCO_IMAGE_ORDERS)
        self.split = split
        self.keep_empty_images = keep_empty_images
        self.image_order = image_order
        self._names_given = classes is not None or 'classes' in (metainfo
                                                                 or {})
        if ann_file is None:
            ann_file = f'annotations/instances_{split}2014.json'
        if data_prefix is None:
            data_prefix = f'{split}2014'
        super().__init__(
            ann_file=ann_file,
            data_root=data_root,
            data_prefix=data_prefix,
            classes=classes,
            metainfo=metainfo,
            **kwargs)

    def load_full_labels(self) -> Tuple[List[dict], np.ndarray]:
        """Parse the instances JSON.

        Returns:
            tuple: N data infos (``img_path``, ``img_id`` = file name) in
            canonical order and the [N, C] int8 full labels (+1 / -1).
        """
        if self.data_root and not exists(self.data_root):
            raise FileNotFoundError(
                f'COCOMultiLabel: data_root {self.data_root!r} does not '
                'exist; expected the COCO folder holding annotations/ and '
                f'{self.split}2014/')
        if not exists(self.ann_file):
            raise FileNotFoundError(
                f'COCOMultiLabel: annotation file {self.ann_file!r} does not '
                'exist; expected annotations/instances_{train,val}2014.json '
                'from the COCO 2014 download')
        content = self._read_json()
        category_ids = self._parse_categories(content['categories'])
        file_names = self._parse_images(content['images'])
        positives = self._parse_annotations(content['annotations'],
                                            file_names, category_ids)
        del content
        image_ids = self._ordered_ids(file_names, positives)
        column = {cat_id: col for col, cat_id in enumerate(category_ids)}
        full = -np.ones((len(image_ids), len(category_ids)), dtype=np.int8)
        data_list = []
        for row, image_id in enumerate(image_ids):
            cols = [column[cat_id] for cat_id in positives.get(image_id, ())]
            full[row, cols] = 1
            file_name = file_names[image_id]
            data_list.append(
                dict(img_path=join_path(self.img_prefix, file_name),
                     img_id=file_name))
        return data_list, full

    def _read_json(self) -> dict:
        """Load the JSON and check its three top-level lists."""
        try:
            content = json.loads(
                get_text(self.ann_file), parse_float=_skip_float)
        except json.JSONDecodeError as err:
            raise ValueError(f'{self.ann_file!r} is not valid JSON: '
                             f'{err}') from err
        fields = ('images', 'annotations', 'categories')
        if not isinstance(content, dict) or not all(
                isinstance(content.get(key), list) for key in fields):
            raise ValueError(f'{self.ann_file!r}: expected a COCO instances '
                             'file, an object with "images", "annotations" '
                             'and "categories" lists')
        return content

    def _parse_categories(self, categories: list) -> List[int]:
        """Return the category ids in ascending order; set the names."""
        names = {}
        for i, category in enumerate(categories):
            if not isinstance(category, dict) or not _is_int(
                    category.get('id')) or not isinstance(
                        category.get('name'), str):
                raise ValueError(f'{self.ann_file!r} categories[{i}]: '
                                 'expected an object with an integer "id" '
                                 'and a "name" string')
            if category['id'] in names:
                raise ValueError(f'{self.ann_file!r} categories[{i}]: '
                                 f'category id {category["id"]} appears '
                                 'twice')
            names[category['id']] = category['name']
        category_ids = sorted(names)
        if not self._names_given:
            self._metainfo['classes'] = tuple(names[i] for i in category_ids)
        elif len(self.CLASSES) != len(category_ids):
            raise ValueError(f'COCOMultiLabel: {len(self.CLASSES)} class '
                             f'names configured, but {self.ann_file!r} has '
                             f'{len(category_ids)} categories (one name per '
                             'category, in ascending category id, expected)')
        return category_ids

    def _parse_images(self, images: list) -> Dict[int, str]:
        """Map image id to file name, in file order."""
        file_names = {}
        for i, image in enumerate(images):
            if not isinstance(image, dict) or not _is_int(
                    image.get('id')) or not isinstance(
                        image.get('file_name'), str) or not image['file_name']:
                raise ValueError(f'{self.ann_file!r} images[{i}]: expected '
                                 'an object with an integer "id" and a '
                                 'non-empty "file_name" string')
            if image['id'] in file_names:
                raise ValueError(f'{self.ann_file!r} images[{i}]: image id '
                                 f'{image["id"]} appears twice')
            file_names[image['id']] = image['file_name']
        return file_names

    def _parse_annotations(self, annotations: list, file_names: dict,
                           category_ids: List[int]) -> Dict[int, Set[int]]:
        """Map image id to its set of category ids, in first-seen order."""
        known_categories = set(category_ids)
        positives = {}
        for i, annotation in enumerate(annotations):
            where = f'{self.ann_file!r} annotations[{i}]'
            if not isinstance(annotation, dict):
                raise ValueError(f'{where}: expected an object, got '
                                 f'{annotation!r:.80}')
            image_id = annotation.get('image_id')
            category_id = annotation.get('category_id')
            if not _is_int(image_id) or image_id not in file_names:
                raise ValueError(f'{where}: image_id {image_id!r} is not an '
                                 'id of the "images" list')
            if not _is_int(category_id) or \
                    category_id not in known_categories:
                raise ValueError(f'{where}: category_id {category_id!r} is '
                                 'not an id of the "categories" list '
                                 f'{category_ids}')
            positives.setdefault(image_id, set()).add(category_id)
        return positives

    def _ordered_ids(self, file_names: dict, positives: dict) -> List[int]:
        """Return the kept image ids in canonical order."""
        if self.image_order == 'first_annotation':
            ids = list(positives) + [i for i in file_names
                                     if i not in positives]
        else:
            ids = list(file_names)
            if self.image_order == 'id':
                ids.sort()
            elif self.image_order == 'id_text':
                ids.sort(key=str)
        if not self.keep_empty_images:
            ids = [i for i in ids if i in positives]
        return ids

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        return [
            f'Annotation file: \t{self.ann_file}',
            f'Prefix of images: \t{self.img_prefix}',
            f'Images without objects: \t'
            f'{"kept" if self.keep_empty_images else "dropped"}',
            f'Image order: \t{self.image_order}',
        ] + self.label_repr()
