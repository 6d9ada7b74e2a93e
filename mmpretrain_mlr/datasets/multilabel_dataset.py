"""Base class of the multi-label datasets with incomplete (observed) labels."""
import posixpath
from typing import Callable, List, Optional, Sequence, Tuple, Union

import numpy as np
from mmengine.fileio import exists
from mmengine.logging import MMLogger
from mmpretrain.datasets import BaseDataset
from mmpretrain.registry import DATASETS

from .holdout_split import holdout_indices
from .label_protocols import build_label_protocol, check_label_matrix
from ..utils.vocabulary import read_name_list, select_columns

MISSING_IMAGE_RULES = ('error', 'skip', 'unchecked')


def normalise_image_key(key: str) -> str:
    """The spelling of an image path duplicates are looked for under.

    ``img0.jpg``, ``./img0.jpg``, ``sub//img0.jpg`` / ``sub/img0.jpg`` and
    ``sub/../img0.jpg`` / ``img0.jpg`` name the same file; the key as
    written stays the image's ``img_id``.

    Args:
        key (str): An image key (a relative path or an id).

    Returns:
        str: ``posixpath.normpath(key)``.
    """
    return posixpath.normpath(str(key))


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
    ``dict(type='PackInputs', algorithm_keys=('observed_label', ))``; test
    pipelines add ``'full_label'`` so metrics can tell ignored entries.

    Order of operations on the canonical list: the protocol draws observed
    labels over the whole list; then ``holdout`` keeps one part of a random
    train/val split; then images listed but absent on disk raise an error or
    are skipped (``missing_images``). Rows keep their observed labels
    through both steps, so a split or a skipped image never changes the
    labels of the others.

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
        class_subset (str | Sequence[str], optional): Keep only these
            columns of the dataset's vocabulary, by class name (a list, or a
            file with one name per line), in the given order: the seen or
            unseen vocabulary of a zero-shot split, e.g. COCO 48 / 17.
            Applied before the label protocol. Defaults to None (all).
        holdout (dict, optional): Keep one part of a random split of the
            canonical list, ``dict(part='train' | 'val', fraction=0.2,
            seed=1200)``, see :func:`holdout_indices` (the single-positive
            protocol's 80/20 split). Defaults to None (the whole list).
        missing_images (str): What to do with a listed image whose
            ``img_path`` does not exist: ``'error'`` (raise, naming the
            file), ``'skip'`` (drop it and log how many were dropped) or
            ``'unchecked'`` (do not look). Defaults to ``'error'``.
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
                 class_subset: Union[str, Sequence[str], None] = None,
                 holdout: Optional[dict] = None,
                 missing_images: str = 'error',
                 **kwargs):
        self.class_subset = class_subset
        self.label_protocol = build_label_protocol(label_protocol)
        if holdout is not None:
            holdout_indices(0, **holdout)  # checks the fields early
        self.holdout = holdout
        if missing_images not in MISSING_IMAGE_RULES:
            raise ValueError(f'{type(self).__name__}: `missing_images` must '
                             f'be one of {MISSING_IMAGE_RULES}, got '
                             f'{missing_images!r}')
        self.missing_images = missing_images
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
        if self.class_subset is not None:
            columns = self._subset_columns(classes)
            full = full[:, columns]
            classes = tuple(classes[col] for col in columns)
            self._metainfo['classes'] = classes
        image_keys = self._image_keys(data_list)
        observed = self.label_protocol(full, image_keys, classes)
        self.num_canonical_images = len(data_list)
        rows = np.arange(len(data_list))
        if self.holdout is not None:
            rows = holdout_indices(len(data_list), **self.holdout)
        rows = self._rows_with_images(data_list, rows)
        for row in rows:
            info = data_list[row]
            info['gt_label'] = np.flatnonzero(full[row] == 1).tolist()
            info['observed_label'] = observed[row].copy()
            info['full_label'] = full[row].copy()
        return [data_list[row] for row in rows]

    def _subset_columns(self, classes: Sequence[str]) -> List[int]:
        """Column indices of the names in ``class_subset``."""
        subset, source = self.class_subset, 'class_subset'
        if isinstance(subset, str):
            subset = read_name_list(subset, 'class_subset file')
            source = f'class_subset file {self.class_subset!r}'
        return select_columns(
            classes, list(subset),
            f'{type(self).__name__} (requested by {source})')

    def _rows_with_images(self, data_list: List[dict],
                          rows: np.ndarray) -> np.ndarray:
        """Check that the images of ``rows`` exist; drop or raise if not."""
        if self.missing_images == 'unchecked':
            return rows
        missing = [
            row for row in rows if 'img_path' in data_list[row]
            and not exists(data_list[row]['img_path'])
        ]
        if missing and self.missing_images == 'error':
            first = data_list[missing[0]]['img_path']
            source = f' listed in {self.ann_file!r}' if self.ann_file else ''
            raise FileNotFoundError(
                f'{type(self).__name__}: {len(missing)} of {len(rows)} '
                f'images{source} do not exist, e.g. {first!r}. Fix the data '
                "root, or set missing_images='skip' to train without them.")
        if missing:
            MMLogger.get_current_instance().warning(
                f'{type(self).__name__}: skipped {len(missing)} of '
                f'{len(rows)} images that do not exist, e.g. '
                f"{data_list[missing[0]]['img_path']!r}")
            rows = np.setdiff1d(rows, missing)
        return rows

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
        """Return the ``img_id`` of every data info, checking that no image
        is listed twice, also under two spellings of its path
        (:func:`normalise_image_key`)."""
        keys, first_row = [], {}
        for row, info in enumerate(data_list):
            if 'img_id' not in info:
                raise KeyError(f'{type(self).__name__}: data info {row} has '
                               'no `img_id`')
            key = str(info['img_id'])
            same = normalise_image_key(key)
            if same in first_row:
                first = first_row[same]
                source = f' in {self.ann_file!r}' if self.ann_file else ''
                spelled = '' if keys[first] == key else \
                    f' (as {keys[first]!r}: the same file)'
                raise ValueError(f'{type(self).__name__}: image {key!r}'
                                 f'{source} appears twice: rows {first}'
                                 f'{spelled} and {row}')
            first_row[same] = row
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
