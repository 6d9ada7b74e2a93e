"""Visual Genome VG-200: the split of the HCP-MLR-PL line of work."""
import json
import os
from typing import List, Sequence, Tuple

import numpy as np
from mmengine.fileio import exists, join_path
from mmpretrain.registry import DATASETS

from .multilabel_dataset import BaseMultiLabelDataset
from ..utils.text_files import read_lines, read_text, resolve_path
from ..utils.checks import check_choice

VG_SPLITS = ('train', 'test')


@DATASETS.register_module()
class VisualGenome200(BaseMultiLabelDataset):
    """Visual Genome with the 200 most frequent object categories (VG-200).

    The split of SSGRL (``HCPLab-SYSU/SSGRL``, ``data/VG/``) as used with 200
    categories by SST / SARB / HST (``HCPLab-SYSU/HCP-MLR-PL``,
    ``utils/dataloader.py`` and ``datasets/vg.py``). Files under
    ``data_root``::

        train_list_500.txt                 one image file name per line,
        test_list_500.txt                  e.g. 2328403.jpg (canonical order)
        vg_category_200_labels_index.json  {"2328403.jpg": [0, 17, ...], ...}
        VG_100K/, VG_100K_2/               the Visual Genome images

    The JSON maps every listed file name to the 0-based indices of its
    positive categories; every other category is negative. The 200-category
    file was made from SSGRL's 500-category file
    (``vg_category_500_labels_index.json``) by keeping the indices below 200
    (categories are ordered by frequency); ``truncate_indices=True`` does the
    same, so the public 500-category file can be read directly. HCP-MLR-PL
    reads the images from ``VG_100K``; the Visual Genome 1.2 download splits
    them over ``VG_100K`` and ``VG_100K_2``, and each image is taken from the
    first folder of ``image_dirs`` that holds it. Images without a positive
    category are kept, as in HCP-MLR-PL. The file name is the image key
    (``img_id``).

    The label files carry no category names, so the 200 readable names
    (prompt text) must be given as ``classes``, in label-index order.

    Args:
        data_root (str): The folder of the lists, the label file and the
            image folders.
        classes (Sequence[str] | str): The category names in label-index
            order, or a file with one name per line.
        split (str): ``'train'`` or ``'test'``. Defaults to ``'train'``.
        image_list_file (str): The image list; ``{split}`` becomes the
            split. Defaults to ``'{split}_list_500.txt'``.
        label_file (str): The JSON label file. Defaults to
            ``'vg_category_200_labels_index.json'``.
        image_dirs (Sequence[str]): Image folders, searched in order.
            Defaults to ``('VG_100K', 'VG_100K_2')``.
        truncate_indices (bool): Drop label indices ``>= len(classes)``
            instead of raising. Defaults to False.
        **kwargs: Other arguments of :class:`BaseMultiLabelDataset`
            (``label_protocol``, ``holdout``, ``missing_images``,
            ``pipeline``, ``test_mode``, ...). Paths are relative to
            ``data_root`` unless absolute.
    """

    def __init__(self,
                 data_root: str,
                 classes=None,
                 split: str = 'train',
                 image_list_file: str = '{split}_list_500.txt',
                 label_file: str = 'vg_category_200_labels_index.json',
                 image_dirs: Sequence[str] = ('VG_100K', 'VG_100K_2'),
                 truncate_indices: bool = False,
                 **kwargs):
        check_choice('VisualGenome200', 'split', split, VG_SPLITS)
        if not data_root or not exists(data_root):
            raise FileNotFoundError(f'VisualGenome200: data_root '
                                    f'{data_root!r} does not exist')
        if classes is None:
            raise ValueError(
                'VisualGenome200 needs `classes`: the category names in '
                'label-index order (a list, or a file with one name per '
                'line); the label files of the split carry none')
        if isinstance(image_dirs, str) or not image_dirs:
            raise ValueError('VisualGenome200: `image_dirs` must be a '
                             f'non-empty list of folders, got {image_dirs!r}')
        self.split = split
        self.image_list_file = image_list_file
        self.label_file = label_file
        self.image_dirs = tuple(image_dirs)
        self.truncate_indices = truncate_indices
        super().__init__(data_root=data_root, classes=classes, **kwargs)

    def load_full_labels(self) -> Tuple[List[dict], np.ndarray]:
        """Read the image list and the label indices.

        Returns:
            tuple: N data infos (``img_path``, ``img_id``) and the [N, C]
            int8 full labels in ±1.
        """
        list_file = resolve_path(self.data_root,
                                 self.image_list_file.format(split=self.split))
        names = [name for _, name in read_lines(list_file, 'VG image list')]
        label_path = resolve_path(self.data_root, self.label_file)
        labels = self._read_label_index(label_path)
        num_classes = len(self.CLASSES)
        full = -np.ones((len(names), num_classes), dtype=np.int8)
        for row, name in enumerate(names):
            if name not in labels:
                raise KeyError(f'{label_path!r} has no entry for image '
                               f'{name!r} of {list_file!r}')
            indices = labels[name]
            if not isinstance(indices, list) or not all(
                    isinstance(i, int) and not isinstance(i, bool)
                    and i >= 0 for i in indices):
                raise ValueError(f'{label_path!r} [{name!r}]: expected a '
                                 'list of label indices (integers >= 0), got '
                                 f'{indices!r}')
            if not self.truncate_indices and any(
                    i >= num_classes for i in indices):
                raise ValueError(
                    f'{label_path!r} [{name!r}]: label index '
                    f'{max(indices)} is out of range for {num_classes} '
                    'classes (give all class names, or set '
                    'truncate_indices=True to drop higher indices)')
            full[row, [i for i in indices if i < num_classes]] = 1
        folders = self._folders_of(names)
        data_list = [
            dict(img_path=join_path(folder, name), img_id=name)
            for folder, name in zip(folders, names)
        ]
        return data_list, full

    @staticmethod
    def _read_label_index(path: str) -> dict:
        """Read the JSON mapping image file name -> label indices."""
        try:
            labels = json.loads(read_text(path, 'VG label file'))
        except json.JSONDecodeError as err:
            raise ValueError(f'{path!r} is not valid JSON: {err}') from err
        if not isinstance(labels, dict):
            raise ValueError(f'{path!r}: expected an object mapping image '
                             'file names to label index lists, got '
                             f'{type(labels).__name__}')
        return labels

    def _folders_of(self, names: List[str]) -> List[str]:
        """The first image folder holding each image (or the first folder
        when none does, so the missing-image check names a path)."""
        folders = [resolve_path(self.data_root, d) for d in self.image_dirs]
        contents = [
            set(os.listdir(folder)) if os.path.isdir(folder) else set()
            for folder in folders
        ]
        return [
            next((folder for folder, files in zip(folders, contents)
                  if name in files), folders[0]) for name in names
        ]

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        return [f'Split: \t{self.split}'] + self.label_repr()
