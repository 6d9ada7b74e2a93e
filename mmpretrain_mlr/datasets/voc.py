"""VOCMultiLabel: PASCAL VOC 2007 / 2012 image-level labels."""
import xml.etree.ElementTree as ET
from typing import List, Optional, Sequence, Tuple

import numpy as np
from mmengine.fileio import exists, get, get_text, join_path
from mmpretrain.registry import DATASETS

from .multilabel_dataset import BaseMultiLabelDataset
from ..utils.checks import check_choice

# Class names as written in the annotations (XML ``<name>``, file names of
# the per-class lists), in the standard order.
VOC_RAW_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus',
                   'car', 'cat', 'chair', 'cow', 'diningtable', 'dog',
                   'horse', 'motorbike', 'person', 'pottedplant', 'sheep',
                   'sofa', 'train', 'tvmonitor')
# The same classes as readable prompt text.
VOC_CLASSES = ('aeroplane', 'bicycle', 'bird', 'boat', 'bottle', 'bus', 'car',
               'cat', 'chair', 'cow', 'dining table', 'dog', 'horse',
               'motorbike', 'person', 'potted plant', 'sheep', 'sofa',
               'train', 'tv monitor')

VOC_LABEL_SOURCES = ('xml', 'class_lists')
VOC_DIFFICULT_RULES = ('drop', 'ignore')
# Values of the per-class lists: positive, only difficult objects, absent.
CLASS_LIST_VALUES = {'1': 1, '0': 0, '-1': -1}


@DATASETS.register_module()
class VOCMultiLabel(BaseMultiLabelDataset):
    """PASCAL VOC 2007 / 2012 multi-label dataset.

    Reads a VOC year folder of the official download::

        data_root/                 (e.g. VOCdevkit/VOC2007)
        ├── Annotations/<id>.xml
        ├── ImageSets/Main/<split>.txt, <class>_<split>.txt
        └── JPEGImages/<id>.jpg

    Two label sources:

    - ``'xml'`` (default): the images of ``ImageSets/Main/<split>.txt`` in
      file order (the partial-label protocol's canonical order); labels from
      the ``<object>`` elements (``<name>``, ``<difficult>``) of
      ``Annotations/<id>.xml``.
    - ``'class_lists'``: the single-positive benchmark's source (Cole et al.,
      ``format_pascal.py``, on VOC2012 ``train`` / ``val``): labels from
      ``ImageSets/Main/<class>_<split>.txt`` (1 positive, 0 only difficult
      objects, -1 absent); only images with at least one positive are kept,
      sorted by file name.

    A class with a non-difficult object is positive. A class present only
    through difficult objects is negative with ``difficult='drop'`` (the
    partial-label and single-positive lines of work) or ignored (full label
    0, as mmpretrain's ``VOC`` dataset and ``VOCAveragePrecision`` do) with
    ``difficult='ignore'``.

    Columns follow ``raw_classes``; the class names (prompt text) default to
    readable forms of the VOC names ('dining table', 'potted plant',
    'tv monitor', ...) and can be replaced with ``classes``. ``img_id`` is
    the VOC image id.

    Args:
        data_root (str): The VOC year folder, e.g.
            ``'data/VOCdevkit/VOC2007'``.
        split (str): Name of an ``ImageSets/Main`` list: ``'trainval'``,
            ``'test'``, ``'train'`` or ``'val'`` (or a list of your own).
            Defaults to ``'trainval'``.
        label_source (str): ``'xml'`` or ``'class_lists'``, see above.
            Defaults to ``'xml'``.
        difficult (str): ``'drop'`` or ``'ignore'``, see above. Defaults to
            ``'drop'``.
        data_prefix (str | dict, optional): Folders relative to
            ``data_root``: ``img_path`` (images), ``ann_path`` (XML files)
            and ``list_path`` (the lists); a string sets ``img_path``.
            Defaults to None: ``dict(img_path='JPEGImages',
            ann_path='Annotations', list_path='ImageSets/Main')``.
        raw_classes (Sequence[str], optional): Class names as written in
            the annotations, in column order, for VOC-format data with other
            classes; the class names default to them. Defaults to None (the
            20 VOC classes).
        **kwargs: Other arguments of :class:`BaseMultiLabelDataset`
            (``label_protocol``, ``holdout``, ``missing_images``,
            ``classes``, ``pipeline``, ``test_mode``, ...).

    Examples:
        >>> train = VOCMultiLabel(
        ...     'data/VOCdevkit/VOC2007', split='trainval',
        ...     label_protocol=dict(type='PartialLabels', p=0.1))
        >>> test = VOCMultiLabel(
        ...     'data/VOCdevkit/VOC2007', split='test', test_mode=True)
    """

    METAINFO = dict(classes=VOC_CLASSES)

    def __init__(self,
                 data_root: str,
                 split: str = 'trainval',
                 label_source: str = 'xml',
                 difficult: str = 'drop',
                 data_prefix=None,
                 raw_classes: Optional[Sequence[str]] = None,
                 classes=None,
                 **kwargs):
        if not isinstance(split, str) or not split or '/' in split \
                or '\\' in split:
            raise ValueError('VOCMultiLabel: `split` must be the name of a '
                             "list in ImageSets/Main such as 'trainval', got "
                             f'{split!r}')
        check_choice('VOCMultiLabel', 'label_source', label_source,
                     VOC_LABEL_SOURCES)
        check_choice('VOCMultiLabel', 'difficult', difficult,
                     VOC_DIFFICULT_RULES)
        self.split = split
        self.label_source = label_source
        self.difficult = difficult
        if raw_classes is not None:
            classes = tuple(raw_classes) if classes is None else classes
        self.raw_classes = tuple(raw_classes or VOC_RAW_CLASSES)
        prefix = dict(
            img_path='JPEGImages',
            ann_path='Annotations',
            list_path='ImageSets/Main')
        if isinstance(data_prefix, str):
            data_prefix = dict(img_path=data_prefix)
        prefix.update(data_prefix or {})
        super().__init__(
            data_root=data_root, data_prefix=prefix, classes=classes,
            **kwargs)

    @property
    def list_file(self) -> str:
        """str: The image list of the split, ``<list_path>/<split>.txt``."""
        return join_path(self.data_prefix['list_path'], f'{self.split}.txt')

    def load_full_labels(self) -> Tuple[List[dict], np.ndarray]:
        """Read the labels from the XML files or the per-class lists.

        Returns:
            tuple: N data infos (``img_path``, ``img_id`` = VOC image id) in
            canonical order and the [N, C] int8 full labels.
        """
        self._check_data_root()
        if len(self.CLASSES) != len(self.raw_classes):
            raise ValueError(f'VOCMultiLabel: {len(self.CLASSES)} class names '
                             f'configured for {len(self.raw_classes)} raw '
                             f'classes {list(self.raw_classes)}')
        if self.label_source == 'xml':
            image_ids, full = self._load_xml_labels()
        else:
            image_ids, full = self._load_class_lists()
        data_list = [
            dict(img_path=join_path(self.img_prefix, f'{image_id}.jpg'),
                 img_id=image_id) for image_id in image_ids
        ]
        return data_list, full

    def class_list_file(self, raw_name: str) -> str:
        """str: The per-class list ``<list_path>/<raw_name>_<split>.txt``."""
        return join_path(self.data_prefix['list_path'],
                         f'{raw_name}_{self.split}.txt')

    def read_image_ids(self) -> List[str]:
        """Return the image ids of :attr:`list_file` in file order."""
        self._check_data_root()
        return [row[1] for row in self._read_lines(self.list_file, 1)]

    def _check_data_root(self) -> None:
        if self.data_root and not exists(self.data_root):
            raise FileNotFoundError(
                f'VOCMultiLabel: data_root {self.data_root!r} does not '
                'exist; expected a VOC year folder such as VOCdevkit/VOC2007 '
                'holding Annotations/, ImageSets/Main/ and JPEGImages/')

    def _read_lines(self, path: str, num_fields: int) -> List[list]:
        """Read a list file: rows of ``num_fields`` fields, unique first."""
        if not exists(path):
            raise FileNotFoundError(f'VOCMultiLabel: list {path!r} does not '
                                    'exist')
        rows, first_line = [], {}
        for line_no, line in enumerate(get_text(path).splitlines(), 1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != num_fields:
                expected = ('an image id' if num_fields == 1 else
                            'an image id and a label')
                raise ValueError(f'{path!r} line {line_no}: expected '
                                 f'{expected}, got {line.strip()!r}')
            if fields[0] in first_line:
                raise ValueError(f'{path!r} line {line_no}: image '
                                 f'{fields[0]!r} already listed at line '
                                 f'{first_line[fields[0]]}')
            first_line[fields[0]] = line_no
            rows.append([line_no] + fields)
        return rows

    def _load_xml_labels(self) -> Tuple[List[str], np.ndarray]:
        """Labels of the split's images from their XML annotations."""
        image_ids = self.read_image_ids()
        column = {name: col for col, name in enumerate(self.raw_classes)}
        full = np.empty((len(image_ids), len(column)), np.int8)
        for row, image_id in enumerate(image_ids):
            full[row] = self._xml_labels(image_id, column)
        return image_ids, full

    def _xml_labels(self, image_id: str, column: dict) -> np.ndarray:
        """The [C] full labels of one image from its XML annotation."""
        path = join_path(self.data_prefix['ann_path'], f'{image_id}.xml')
        try:
            root = ET.fromstring(get(path))
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f'VOCMultiLabel: annotation {path!r} of image {image_id!r} '
                f'(listed in {self.list_file!r}) does not exist') from err
        except ET.ParseError as err:
            raise ValueError(f'{path!r} is not valid XML: {err}') from err
        labels = np.full(len(column), -1, dtype=np.int8)
        difficult_only = set()
        for k, obj in enumerate(root.findall('object')):
            name = (obj.findtext('name') or '').strip()
            if name not in column:
                raise ValueError(f'{path!r} object {k}: <name> {name!r} is '
                                 'not one of the classes '
                                 f'{list(self.raw_classes)}')
            flag = (obj.findtext('difficult') or '0').strip()
            if flag not in ('0', '1'):
                raise ValueError(f'{path!r} object {k}: <difficult> must be '
                                 f'0 or 1, got {flag!r}')
            if flag == '1':
                difficult_only.add(column[name])
            else:
                labels[column[name]] = 1
        if self.difficult == 'ignore':
            labels[[col for col in difficult_only if labels[col] != 1]] = 0
        return labels

    def _load_class_lists(self) -> Tuple[List[str], np.ndarray]:
        """Labels from ``<class>_<split>.txt``; images with a positive."""
        index, labels, first_path = None, None, None
        for col, raw_name in enumerate(self.raw_classes):
            path = self.class_list_file(raw_name)
            rows = self._read_lines(path, 2)
            if index is None:
                index = {row[1]: i for i, row in enumerate(rows)}
                labels = np.empty((len(rows), len(self.raw_classes)),
                                  np.int8)
                first_path = path
            elif len(rows) != len(index) or any(row[1] not in index
                                                for row in rows):
                extra = [row[1] for row in rows if row[1] not in index]
                raise ValueError(
                    f'{path!r} lists {len(rows)} images, {first_path!r} '
                    f'{len(index)}; every class list of a split must list '
                    'the same images'
                    + (f', e.g. {extra[0]!r} is new' if extra else ''))
            for line_no, image_id, value in rows:
                if value not in CLASS_LIST_VALUES:
                    raise ValueError(f'{path!r} line {line_no}: label '
                                     f'{value!r}, expected 1 (positive), 0 '
                                     '(only difficult) or -1 (absent)')
                labels[index[image_id], col] = CLASS_LIST_VALUES[value]
        if self.difficult == 'drop':
            labels[labels == 0] = -1
        # Cole et al. keep images with a positive and sort their file names.
        kept = sorted((image_id for image_id, row in index.items()
                       if (labels[row] == 1).any()),
                      key=lambda image_id: f'{image_id}.jpg')
        return kept, labels[[index[image_id] for image_id in kept]]

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        source = (self.list_file if self.label_source == 'xml' else
                  f'<class>_{self.split}.txt lists')
        return [
            f'Prefix of dataset: \t{self.data_root}',
            f'Labels from: \t{source}',
            f'Difficult-only classes: \t{self.difficult}',
            f'Prefix of images: \t{self.img_prefix}',
        ] + self.label_repr()
