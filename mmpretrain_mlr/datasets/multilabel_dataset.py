"""Base class of the multi-label datasets with incomplete (observed) labels."""
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from .label_protocols import build_label_protocol, check_label_matrix


@DATASETS.register_module()
class BaseMultiLabelDataset(BaseDataset):
    """Multi-label dataset whose training labels follow a label protocol.

    A subclass implements :meth:`load_full_labels`, returning the canonical
    image list and its full label matrix. This class applies the label
    protocol to the whole canonical matrix (before ``filter_cfg`` and
    ``indices``, so a subset keeps the rows it had) and fills each data info
    with

    - ``gt_label`` (list[int]): the positive class indices of the full ground
      truth; only metrics use it.
    - ``observed_label`` (np.ndarray): [C] int8 in {+1 known positive,
      -1 known negative, 0 unknown}; what losses see.
    - ``full_label`` (np.ndarray): [C] int8 full labels in {+1, -1, 0 ignore}.

    Pipelines pack the observed labels with the stock transform
    ``dict(type='PackInputs', algorithm_keys=('observed_label', ))``.

    The class vocabulary is a list of readable names (prompt text) in
    ``dataset.CLASSES`` and ``metainfo['classes']``; a subclass sets its
    default in ``METAINFO = dict(classes=(...))`` and users override it with
    ``classes``. (mmpretrain already registers a ``MultiLabelDataset``, hence
    this name.)

    Args:
        ann_file (str): Annotation file, if the dataset has one.
            Defaults to ''.
        label_protocol (dict | callable, optional): The protocol turning full
            labels into observed labels, e.g.
            ``dict(type='PartialLabels', p=0.5)``; see
            :mod:`~mmpretrain_mlr.datasets.label_protocols`. Defaults to None:
            all labels known (also the right choice for val and test splits).
        metainfo (dict, optional): Meta information. Defaults to None.
        data_root (str): Root of ``ann_file`` and ``data_prefix``.
            Defaults to ''.
        data_prefix (str | dict): Prefix of the image paths. Defaults to ''.
        classes (str | Sequence[str], optional): Class names, or a file with
            one name per line. Defaults to None (the dataset's default).
        **kwargs: Other arguments of :class:`mmpretrain.datasets.BaseDataset`
            (``pipeline``, ``test_mode``, ``indices``, ``lazy_init``, ...).
    """

    def __init__(self,
                 ann_file: str = '',
                 label_protocol: Union[dict, Callable, None] = None,
                 metainfo: Optional[dict] = None,
                 data_root: str = '',
                 data_prefix: Union[str, dict] = '',
                 classes: Union[str, Sequence[str], None] = None,
                 **kwargs):
        self.label_protocol = build_label_protocol(label_protocol)
        super().__init__(
            ann_file=ann_file,
            metainfo=metainfo,
            data_root=data_root,
            data_prefix=data_prefix,
            classes=classes,
            **kwargs)

    def load_full_labels(self) -> Tuple[List[dict], np.ndarray]:
        """Load the canonical image list and its full labels.

        Returns:
            tuple: ``(data_list, full)``: ``data_list`` is a list of N data
            info dicts in canonical order, each with a unique, machine
            independent ``img_id`` (e.g. the image path relative to the data
            root, or the dataset's image id); ``full`` is the [N, C] int8
            full label matrix in {+1, -1, 0 ignore}, columns in the order of
            ``self.CLASSES``.
        """
        raise NotImplementedError(
            f'{type(self).__name__} must implement `load_full_labels`')

    def load_data_list(self) -> List[dict]:
        """Load the full labels, apply the protocol, fill the data infos."""
        data_list, full = self.load_full_labels()
        if not data_list:
            source = f' in {self.ann_file!r}' if self.ann_file else ''
            raise ValueError(f'{type(self).__name__}: no images{source}')
        classes = self._check_classes()
        full = check_label_matrix(full, f'{type(self).__name__} full')
        if full.shape != (len(data_list), len(classes)):
            raise ValueError(f'{type(self).__name__}: full labels have shape '
                             f'{list(full.shape)}, expected '
                             f'[{len(data_list)} images, {len(classes)} '
                             'classes]')
        image_keys = self._image_keys(data_list)
        observed = self.label_protocol(full, image_keys, classes)
        for info, full_row, observed_row in zip(data_list, full, observed):
            info['gt_label'] = np.flatnonzero(full_row == 1).tolist()
            info['observed_label'] = observed_row.copy()
            info['full_label'] = full_row.copy()
        return data_list

    def _check_classes(self) -> Tuple[str, ...]:
        """Return the class names, checking they exist and are unique."""
        classes = self.CLASSES
        if not classes:
            raise ValueError(f'{type(self).__name__} has no class names: give '
                             '`classes` (a list or a file with one name per '
                             'line)')
        seen = set()
        for name in classes:
            if not isinstance(name, str) or not name.strip():
                raise ValueError(f'{type(self).__name__}: class names must be '
                                 f'non-empty strings, got {name!r}')
            if name in seen:
                raise ValueError(f'{type(self).__name__}: class name {name!r} '
                                 'appears twice')
            seen.add(name)
        return tuple(classes)

    def _image_keys(self, data_list: List[dict]) -> List[str]:
        """Return the ``img_id`` of every data info, checking uniqueness."""
        keys, first_row = [], {}
        for row, info in enumerate(data_list):
            if 'img_id' not in info:
                raise KeyError(f'{type(self).__name__}: data info {row} has '
                               'no `img_id`')
            key = str(info['img_id'])
            if key in first_row:
                raise ValueError(f'{type(self).__name__}: image {key!r} '
                                 f'appears twice (rows {first_row[key]} and '
                                 f'{row})')
            first_row[key] = row
            keys.append(key)
        return keys

    def _stack(self, key: str) -> np.ndarray:
        """Stack a per-sample label vector over the current samples."""
        num_classes = len(self.CLASSES)
        if len(self) == 0:
            return np.zeros((0, num_classes), dtype=np.int8)
        return np.stack(
            [self.get_data_info(i)[key] for i in range(len(self))])

    @property
    def observed_labels(self) -> np.ndarray:
        """np.ndarray: [N, C] int8 observed labels of the current samples."""
        return self._stack('observed_label')

    @property
    def full_labels(self) -> np.ndarray:
        """np.ndarray: [N, C] int8 full labels of the current samples."""
        return self._stack('full_label')

    def get_cat_ids(self, idx: int) -> List[int]:
        """Return the positive class indices of sample ``idx``.

        Args:
            idx (int): Index of the sample.

        Returns:
            list[int]: Positive classes of the full ground truth.
        """
        return self.get_data_info(idx)['gt_label']

    def label_repr(self) -> List[str]:
        """Repr lines describing the label protocol and known fraction."""
        body = [f'Label protocol: \t{self.label_protocol!r}']
        if self._fully_initialized and len(self):
            known = float((self.observed_labels != 0).mean())
            body.append(f'Known label fraction: \t{known:.3f}')
        return body

    def extra_repr(self) -> List[str]:
        """The extra repr information of the dataset."""
        return super().extra_repr() + self.label_repr()
