"""CUB-200-2011 with its 312 binary attributes as the multi-label classes."""
from typing import Dict, List, Optional, Tuple

import numpy as np
from mmengine.fileio import exists, join_path
from mmpretrain.registry import DATASETS

from .multilabel_dataset import BaseMultiLabelDataset
from ..utils.text_files import read_lines, read_text, resolve_path
from ..utils.vocabulary import select_columns
from ..utils.checks import check_choice

CUB_SPLITS = {'train': 1, 'test': 0}
# Where the attribute names may lie, relative to the folder holding
# images.txt: CUB_200_2011.tgz puts attributes.txt next to that folder.
CUB_ATTRIBUTE_NAME_FILES = ('attributes/attributes.txt', 'attributes.txt',
                            '../attributes.txt')


def readable_attribute_name(raw: str) -> str:
    """Prompt text of a CUB attribute id.

    ``has_<part>::<value>`` becomes ``'<value> <part>'`` with underscores
    turned into spaces, e.g. ``has_bill_shape::curved_(up_or_down)`` ->
    ``'curved (up or down) bill shape'``, ``has_wing_color::blue`` ->
    ``'blue wing color'``, ``has_size::large_(16_-_32_in)`` ->
    ``'large (16 - 32 in) size'``. Names without ``::`` only lose their
    underscores.

    Args:
        raw (str): The name as written in ``attributes.txt``.

    Returns:
        str: The readable name.
    """
    part, sep, value = raw.partition('::')
    if not sep:
        return raw.replace('_', ' ')
    if part.startswith('has_'):
        part = part[len('has_'):]
    return f'{value} {part}'.replace('_', ' ')


def _read_id_table(path: str, what: str, fields: int) -> Dict[int, list]:
    """Read ``<integer id> <field> ...`` lines into {id: [fields]}."""
    table = {}
    for line_no, line in read_lines(path, what):
        parts = line.split()
        if len(parts) != fields or not parts[0].isdigit():
            raise ValueError(f'{what} {path!r} line {line_no}: expected '
                             f'{fields} space-separated fields starting '
                             f'with an integer id, got {line!r}')
        key = int(parts[0])
        if key in table:
            raise ValueError(f'{what} {path!r} line {line_no}: id {key} '
                             'appears twice')
        table[key] = parts[1:]
    if not table:
        raise ValueError(f'{what} {path!r} is empty')
    return table


@DATASETS.register_module()
class CUBAttributes(BaseMultiLabelDataset):
    """CUB-200-2011 images labelled with the 312 binary attributes.

    Reads the files of ``CUB_200_2011.tgz`` as Cole et al. do
    (``elijahcole/single-positive-multi-label``, ``preproc/format_cub.py``):
    per-image labels (the ``is_present`` field, not the per-class
    attribute table), the official split of ``train_test_split.txt``, images
    in ``images.txt`` order (canonical order), 312 columns in
    ``attributes.txt`` order. Files, relative to ``data_root`` (the folder
    holding ``images.txt``)::

        images.txt                     <image_id> <relative path>
        train_test_split.txt           <image_id> <is_training_image>
        attributes/image_attribute_labels.txt
            <image_id> <attribute_id> <is_present> <certainty_id> <time>
        images/<class folder>/<file>.jpg

    and ``attributes.txt`` (``<attribute_id> has_<part>::<value>``), which
    the archive puts next to the ``CUB_200_2011`` folder: by default it is
    looked for at ``attributes/attributes.txt``, ``attributes.txt`` and
    ``../attributes.txt``.

    A few lines of the real ``image_attribute_labels.txt`` carry more than
    five fields (loaders fail with "Expected 5 fields, saw 7"; published
    fixes keep the first four); only the first three fields are read, so
    those lines are read like the others. ``is_present`` 1 is a positive,
    0 a negative; certainty is not used (as in Cole et al.). Every image of
    the split needs a line for every attribute.

    Class names are readable prompt text made from the attribute ids by
    :func:`readable_attribute_name` (e.g. ``'curved (up or down) bill
    shape'``); the raw ids of the columns are in :attr:`attribute_ids`. The
    image path relative to ``images/`` is the image key (``img_id``).

    Cole et al. hold out 20 % of the official training images for
    validation: ``holdout=dict(part='train' | 'val', fraction=0.2,
    seed=1200)``.

    Args:
        data_root (str): The folder holding ``images.txt``.
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        classes (Sequence[str] | str, optional): A subset of the readable
            attribute names (or a file with one per line), in the column
            order wanted. Defaults to None (all, file order).
        attribute_names_file (str, optional): ``attributes.txt``. Defaults
            to None (the places listed above).
        data_prefix (str | dict): Folder of the images. Defaults to
            ``'images'``.
        **kwargs: Other arguments of :class:`BaseMultiLabelDataset`
            (``label_protocol``, ``holdout``, ``missing_images``,
            ``pipeline``, ``test_mode``, ...).
    """

    def __init__(self,
                 data_root: str,
                 split: str = 'train',
                 classes=None,
                 attribute_names_file: Optional[str] = None,
                 data_prefix='images',
                 **kwargs):
        check_choice('CUBAttributes', 'split', split, CUB_SPLITS)
        if not data_root or not exists(data_root):
            raise FileNotFoundError(f'CUBAttributes: data_root '
                                    f'{data_root!r} does not exist')
        self.split = split
        self.attribute_names_file = attribute_names_file
        self._select_classes = classes is not None
        self.attribute_ids: Tuple[str, ...] = ()
        super().__init__(
            data_root=data_root,
            data_prefix=data_prefix,
            classes=classes,
            **kwargs)

    def _attribute_names_path(self) -> str:
        if self.attribute_names_file is not None:
            return resolve_path(self.data_root, self.attribute_names_file)
        candidates = [resolve_path(self.data_root, name)
                      for name in CUB_ATTRIBUTE_NAME_FILES]
        found = next((path for path in candidates if exists(path)), None)
        if found is None:
            raise FileNotFoundError(
                f'CUB attribute names (attributes.txt) not found; looked '
                f'for {candidates}. Give `attribute_names_file`.')
        return found

    def read_attribute_ids(self) -> List[str]:
        """The raw attribute names of ``attributes.txt``, in id order."""
        path = self._attribute_names_path()
        table = _read_id_table(path, 'CUB attribute list', 2)
        if sorted(table) != list(range(1, len(table) + 1)):
            raise ValueError(f'CUB attribute list {path!r}: ids must be 1 to '
                             f'{len(table)}, got {sorted(table)[:3]}...')
        return [table[i][0] for i in range(1, len(table) + 1)]

    def _attribute_columns(self) -> Tuple[List[str], List[int]]:
        """All raw attribute ids, and the positions of the selected ones."""
        raw_ids = self.read_attribute_ids()
        readable = [readable_attribute_name(raw) for raw in raw_ids]
        requested = self.CLASSES if self._select_classes else None
        return raw_ids, select_columns(readable, requested,
                                       'the CUB attribute list')

    def vocabulary_names(self) -> List[str]:
        """The readable attribute names from ``attributes.txt`` alone, for
        models to read without loading the labels."""
        raw_ids, columns = self._attribute_columns()
        return [readable_attribute_name(raw_ids[i]) for i in columns]

    def load_full_labels(self) -> Tuple[List[dict], np.ndarray]:
        """Read the image list, the split and the attribute labels.

        Returns:
            tuple: N data infos (``img_path``, ``img_id``) and the [N, C]
            int8 full labels in ±1.
        """
        raw_ids, columns = self._attribute_columns()
        self.attribute_ids = tuple(raw_ids[i] for i in columns)
        self._metainfo['classes'] = tuple(
            readable_attribute_name(raw) for raw in self.attribute_ids)

        images_path = resolve_path(self.data_root, 'images.txt')
        images = _read_id_table(images_path, 'CUB image list', 2)
        split_path = resolve_path(self.data_root, 'train_test_split.txt')
        split = _read_id_table(split_path, 'CUB split file', 2)
        missing = [key for key in images if key not in split]
        if missing:
            raise ValueError(f'{split_path!r} has no line for image id '
                             f'{missing[0]} of {images_path!r}')
        wanted = str(CUB_SPLITS[self.split])
        image_ids = [key for key in images if split[key][0] == wanted]
        full = self._read_labels(image_ids, images, len(raw_ids), columns)
        data_list = [
            dict(img_path=join_path(self.img_prefix, images[key][0]),
                 img_id=images[key][0]) for key in image_ids
        ]
        return data_list, full

    def _read_labels(self, image_ids: List[int], images: dict,
                     num_attributes: int, columns: List[int]) -> np.ndarray:
        """[N, C] int8 labels of ``image_ids`` from the attribute labels."""
        path = resolve_path(self.data_root,
                            'attributes/image_attribute_labels.txt')
        row_of = {key: row for row, key in enumerate(image_ids)}
        col_of = np.full(num_attributes + 1, -1)
        col_of[np.asarray(columns, dtype=int) + 1] = np.arange(len(columns))
        full = np.zeros((len(image_ids), len(columns)), dtype=np.int8)
        # line of the first label of each (image id, attribute id) pair,
        # 0 for none yet: a pair given twice is an error, not "last wins"
        first_line = np.zeros((max(images) + 1, num_attributes + 1),
                              dtype=np.int64)
        text = read_text(path, 'CUB attribute label file')
        for line_no, line in enumerate(text.splitlines(), start=1):
            parts = line.split()
            if not parts:
                continue
            try:
                image, attribute = int(parts[0]), int(parts[1])
                present = parts[2]
                if len(parts) < 4 or present not in ('0', '1') or not (
                        image in images and 1 <= attribute <= num_attributes):
                    raise ValueError
            except (ValueError, IndexError):
                raise ValueError(
                    f'{path!r} line {line_no}: expected "<image_id> '
                    '<attribute_id> <is_present 0|1> <certainty_id> <time>" '
                    f'with an image id of images.txt and an attribute id in '
                    f'[1, {num_attributes}], got {line!r}') from None
            if first_line[image, attribute]:
                raise ValueError(
                    f'{path!r} lines {first_line[image, attribute]} and '
                    f'{line_no} both label image id {image}, attribute id '
                    f'{attribute}; each (image, attribute) pair must be '
                    'given once')
            first_line[image, attribute] = line_no
            row, col = row_of.get(image), col_of[attribute]
            if row is not None and col >= 0:
                full[row, col] = 1 if present == '1' else -1
        if (full == 0).any():
            row, col = (int(i) for i in np.argwhere(full == 0)[0])
            raise ValueError(f'{path!r} has no label of attribute '
                             f'{columns[col] + 1} for image id '
                             f'{image_ids[row]} ({int((full == 0).sum())} '
                             'such entries)')
        return full

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        return [f'Split: \t{self.split}'] + self.label_repr()
