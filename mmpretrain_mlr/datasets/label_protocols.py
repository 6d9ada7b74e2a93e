"""Label protocols: turn a dataset's full labels into the observed labels.

A protocol is a callable registered in mmpretrain's ``TASK_UTILS`` registry::

    observed = protocol(full, image_keys, classes=None)

- ``full`` (np.ndarray): [N, C] full labels in the dataset's canonical image
  order, +1 positive, -1 negative, 0 "ignore" (e.g. a VOC difficult object).
- ``image_keys`` (Sequence[str]): [N] stable image identifiers, one per row.
- ``classes`` (Sequence[str], optional): [C] class names, one per column.
- ``observed`` (np.ndarray): [N, C] int8 in {+1 known positive, -1 known
  negative, 0 unknown}. Ignore entries of ``full`` always stay 0.

The result depends only on the inputs and the protocol's parameters, never on
a global random state, so every process, dataloader worker and epoch sees the
same matrix. A new protocol (single positive, zero-shot, ...) subclasses
:class:`BaseLabelProtocol`, implements :meth:`~BaseLabelProtocol.observe` and
:attr:`~BaseLabelProtocol.params`, and gets input checks and the optional
``.npz`` cache for free.
"""
import hashlib
import json
import numbers
import os.path as osp
from typing import Optional, Sequence

import numpy as np
from mmengine.logging import MMLogger
from mmpretrain.registry import TASK_UTILS

from ..utils.atomic_file import write_atomically

# 2: the observed matrix carries its own sha256 (``observed_sha256``)
CACHE_FORMAT_VERSION = 2


def _matrix_sha256(matrix: np.ndarray) -> str:
    """sha256 of an int8 label matrix's shape and values."""
    matrix = np.ascontiguousarray(matrix, dtype=np.int8)
    digest = hashlib.sha256(str(list(matrix.shape)).encode())
    digest.update(matrix.tobytes())
    return digest.hexdigest()


def check_label_matrix(labels, name: str) -> np.ndarray:
    """Check a label matrix and return it as int8.

    Args:
        labels (array-like): [N, C] labels with values in {-1, 0, +1}.
        name (str): What the matrix is, for error messages.

    Returns:
        np.ndarray: [N, C] int8 copy of ``labels``.
    """
    labels = np.asarray(labels)
    if labels.ndim != 2:
        raise ValueError(f'{name} labels must be a 2-D [N, C] matrix, got '
                         f'shape {labels.shape}')
    if labels.size and not np.isin(labels, (-1, 0, 1)).all():
        bad = np.unique(labels[~np.isin(labels, (-1, 0, 1))])[:5]
        raise ValueError(f'{name} labels must hold only -1, 0, +1, found '
                         f'{bad.tolist()}')
    return labels.astype(np.int8)


class BaseLabelProtocol:
    """Base class of the label protocols.

    Subclasses implement :meth:`observe` (the rule) and :attr:`params` (the
    parameters that determine the result, stored in and checked against the
    cache file).

    Args:
        cache_file (str, optional): ``.npz`` file holding the observed matrix.
            Read when it exists (after checking that it was made from the same
            image keys, classes, full labels and parameters), otherwise
            computed and written atomically. Defaults to None (no cache).
    """

    def __init__(self, cache_file: Optional[str] = None):
        self.cache_file = (osp.expanduser(cache_file)
                           if cache_file is not None else None)

    @property
    def params(self) -> dict:
        """dict: JSON-serialisable parameters that determine the result."""
        return {'type': type(self).__name__}

    def __repr__(self) -> str:
        args = {k: v for k, v in self.params.items() if k != 'type'}
        if self.cache_file is not None:
            args['cache_file'] = self.cache_file
        text = ', '.join(f'{k}={v!r}' for k, v in args.items())
        return f'{type(self).__name__}({text})'

    def observe(self, full: np.ndarray) -> np.ndarray:
        """Apply the rule.

        Args:
            full (np.ndarray): [N, C] int8 full labels in {-1, 0, +1}.

        Returns:
            np.ndarray: [N, C] int8 observed labels in {-1, 0, +1}.
        """
        raise NotImplementedError(
            f'{type(self).__name__} must implement `observe`')

    def __call__(self,
                 full,
                 image_keys: Sequence[str],
                 classes: Optional[Sequence[str]] = None) -> np.ndarray:
        """Return the observed labels of ``full`` (see the module docstring).

        Args:
            full (array-like): [N, C] full labels in {-1, 0, +1}.
            image_keys (Sequence[str]): [N] image identifiers, one per row.
            classes (Sequence[str], optional): [C] class names.

        Returns:
            np.ndarray: [N, C] int8 observed labels.
        """
        full = check_label_matrix(full, 'full')
        image_keys = [str(key) for key in image_keys]
        if len(image_keys) != full.shape[0]:
            raise ValueError(f'{type(self).__name__}: got {len(image_keys)} '
                             f'image keys for {full.shape[0]} label rows')
        if classes is not None and len(classes) != full.shape[1]:
            raise ValueError(f'{type(self).__name__}: got {len(classes)} '
                             f'class names for {full.shape[1]} label columns')
        if self.cache_file is not None and osp.exists(self.cache_file):
            return self._read_cache(full, image_keys, classes)
        observed = check_label_matrix(self.observe(full), 'observed')
        if observed.shape != full.shape:
            raise ValueError(f'{type(self).__name__} returned observed labels '
                             f'of shape {observed.shape}, expected '
                             f'{full.shape}')
        if self.cache_file is not None:
            self._write_cache(observed, full, image_keys, classes)
        return observed

    def _cache_record(self, full: np.ndarray, image_keys: Sequence[str],
                      classes: Optional[Sequence[str]]) -> dict:
        """What a cache must match: everything the result depends on."""
        return {
            'params': json.dumps(self.params, sort_keys=True),
            'image_keys': list(image_keys),
            'classes': [] if classes is None else [str(c) for c in classes],
            'full_sha256': hashlib.sha256(
                np.ascontiguousarray(full).tobytes()).hexdigest(),
        }

    def _write_cache(self, observed: np.ndarray, full: np.ndarray,
                     image_keys: Sequence[str],
                     classes: Optional[Sequence[str]]) -> None:
        """Write the cache to a temporary file, then rename it into place."""
        record = self._cache_record(full, image_keys, classes)
        arrays = dict(
            version=np.array(CACHE_FORMAT_VERSION),
            observed=observed.astype(np.int8),
            image_keys=np.array(record['image_keys'], dtype=np.str_),
            classes=np.array(record['classes'], dtype=np.str_),
            params=np.array(record['params']),
            full_sha256=np.array(record['full_sha256']),
            observed_sha256=np.array(_matrix_sha256(observed)))
        write_atomically(self.cache_file, lambda f: np.savez(f, **arrays))

    def _read_cache(self, full: np.ndarray, image_keys: Sequence[str],
                    classes: Optional[Sequence[str]]) -> np.ndarray:
        """Read the cache and check it matches this dataset and protocol."""
        where = f'label cache {self.cache_file!r}'
        try:
            with np.load(self.cache_file, allow_pickle=False) as npz:
                cached = {key: npz[key] for key in npz.files}
        except Exception as err:
            raise ValueError(f'{where} is not a readable .npz file: '
                             f'{err}') from err
        fields = ('version', 'observed', 'image_keys', 'classes', 'params',
                  'full_sha256')
        missing = [key for key in fields if key not in cached]
        if missing:
            raise ValueError(f'{where} lacks the fields {missing}; it was not '
                             'written by this library')
        expected = self._cache_record(full, image_keys, classes)
        hint = (' Delete the file to recompute it, or give this '
                'configuration its own `cache_file`.')
        observed = cached['observed']
        if observed.shape != full.shape:
            raise ValueError(f'{where} holds a {list(observed.shape)} '
                             f'matrix, the dataset has {list(full.shape)}.'
                             + hint)
        if str(cached['params']) != expected['params']:
            raise ValueError(f'{where} was made with protocol parameters '
                             f'{cached["params"]}, expected '
                             f'{expected["params"]}.' + hint)
        cached_keys = cached['image_keys'].tolist()
        if cached_keys != expected['image_keys']:
            row = next(i for i, (a, b) in enumerate(
                zip(cached_keys, expected['image_keys'])) if a != b)
            raise ValueError(f'{where}: image key of row {row} is '
                             f'{cached_keys[row]!r}, the dataset has '
                             f'{expected["image_keys"][row]!r}.' + hint)
        if cached['classes'].tolist() != expected['classes']:
            raise ValueError(f'{where} was made for classes '
                             f'{cached["classes"].tolist()}, the dataset has '
                             f'{expected["classes"]}.' + hint)
        if str(cached['full_sha256']) != expected['full_sha256']:
            raise ValueError(f'{where} was made from different full labels '
                             '(same images and classes, other label '
                             'values).' + hint)
        if 'observed_sha256' not in cached:
            # version 1: no digest of the matrix, so it cannot be checked
            observed = check_label_matrix(self.observe(full), 'observed')
            MMLogger.get_current_instance().warning(
                f'{where} was written without a digest of its observed '
                'matrix (an older version); recomputed the labels and '
                'rewrote it with one.')
            self._write_cache(observed, full, image_keys, classes)
            return observed
        if str(cached['observed_sha256']) != _matrix_sha256(observed):
            raise ValueError(
                f'{where}: its observed matrix does not match the digest '
                'written with it (observed_sha256): the file was edited or '
                'damaged after it was written, so its labels cannot be '
                'trusted.' + hint)
        return check_label_matrix(observed, where)


@TASK_UTILS.register_module()
class FullLabels(BaseLabelProtocol):
    """Every label is known: observed labels equal the full labels.

    Ignore entries (0) of the full labels stay 0.
    """

    def __init__(self):
        super().__init__(cache_file=None)

    def observe(self, full: np.ndarray) -> np.ndarray:
        return full.copy()


@TASK_UTILS.register_module()
class PartialLabels(BaseLabelProtocol):
    """Keep a random fraction ``p`` of the label matrix (partial labels).

    The published protocol (SSGRL / SST / SARB / TaI-DPT) seeds numpy's global
    generator with ``np.random.seed(0)`` and draws ``np.random.random((N, C))``
    over the whole matrix; an entry stays known where its draw is below ``p``.
    Positives and negatives are dropped alike. This class draws the same
    stream from a private ``np.random.RandomState(seed)``, so the result is
    bit-identical to the published matrix while numpy's global state is left
    untouched.

    Args:
        p (float): Fraction of entries kept known, in (0, 1].
        seed (int): Seed of the draws. Defaults to 0 (the published one).
        cache_file (str, optional): ``.npz`` cache of the observed matrix,
            see :class:`BaseLabelProtocol`. Defaults to None.
    """

    def __init__(self,
                 p: float,
                 seed: int = 0,
                 cache_file: Optional[str] = None):
        super().__init__(cache_file=cache_file)
        if (isinstance(p, bool) or not isinstance(p, numbers.Real)
                or not 0 < p <= 1):
            raise ValueError(f'PartialLabels: `p` must be a number in '
                             f'(0, 1], got p={p!r}')
        if (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
                or not 0 <= seed < 2**32):
            raise ValueError(f'PartialLabels: `seed` must be an integer in '
                             f'[0, 2**32), got seed={seed!r}')
        self.p = float(p)
        self.seed = int(seed)

    @property
    def params(self) -> dict:
        return {'type': type(self).__name__, 'p': self.p, 'seed': self.seed}

    def observe(self, full: np.ndarray) -> np.ndarray:
        draws = np.random.RandomState(self.seed).random_sample(full.shape)
        return np.where(draws < self.p, full, 0).astype(np.int8)



def _parse_label_value(text: str) -> float:
    """Parse one label value; NaN for text that is not a number."""
    try:
        return float(text)
    except ValueError:
        return float('nan')


@TASK_UTILS.register_module()
class ObservedLabelFile(BaseLabelProtocol):
    """Read observed labels from a text file (DualCoOp / TaI-DPT format).

    The file holds one comma-separated vector of -1/0/1 per image, in the
    dataset's canonical order (e.g. ``train_proportion_0.5.txt`` for VOC
    ``trainval``). Blank lines are skipped.

    Args:
        path (str): The label file.
        check_consistency (bool): Require every known entry of the file to
            equal the full label (a mismatch usually means another image
            order or label convention). Defaults to True.
    """

    def __init__(self, path: str, check_consistency: bool = True):
        super().__init__(cache_file=None)
        self.path = osp.expanduser(path)
        self.check_consistency = check_consistency

    @property
    def params(self) -> dict:
        return {'type': type(self).__name__, 'path': self.path}

    def read(self, num_classes: int) -> tuple:
        """Parse the file.

        Args:
            num_classes (int): Expected vector length C.

        Returns:
            tuple: [N, C] int8 observed labels and the [N] line numbers
            (1-based) the rows come from.
        """
        if not osp.isfile(self.path):
            raise FileNotFoundError(f'observed label file {self.path!r} does '
                                    'not exist')
        rows, line_numbers = [], []
        with open(self.path) as f:
            for line_no, line in enumerate(f, start=1):
                if not line.strip():
                    continue
                fields = [field.strip() for field in line.split(',')]
                if len(fields) != num_classes:
                    raise ValueError(
                        f'{self.path!r} line {line_no}: expected '
                        f'{num_classes} comma-separated values, got '
                        f'{len(fields)}')
                values = [_parse_label_value(field) for field in fields]
                bad = [col for col, value in enumerate(values)
                       if value not in (-1, 0, 1)]
                if bad:
                    raise ValueError(f'{self.path!r} line {line_no}, column '
                                     f'{bad[0]}: values must be -1, 0 or 1, '
                                     f'got {fields[bad[0]]!r}')
                rows.append([int(value) for value in values])
                line_numbers.append(line_no)
        observed = np.array(rows, dtype=np.int8).reshape(-1, num_classes)
        return observed, line_numbers

    def observe(self, full: np.ndarray) -> np.ndarray:
        observed, line_numbers = self.read(full.shape[1])
        if observed.shape[0] != full.shape[0]:
            raise ValueError(f'{self.path!r} holds {observed.shape[0]} label '
                             f'vectors, the dataset has {full.shape[0]} '
                             'images (one line per image expected)')
        conflict = (observed != 0) & (observed != full)
        if self.check_consistency and conflict.any():
            row, col = (int(i) for i in np.argwhere(conflict)[0])
            raise ValueError(
                f'{self.path!r} line {line_numbers[row]}, column {col}: '
                f'observed label {observed[row, col]} contradicts the full '
                f'label {full[row, col]} ({int(conflict.sum())} such '
                'entries). Check the image order and label convention, or '
                'set check_consistency=False.')
        # Ignore entries of the full labels stay unknown.
        return np.where(full == 0, 0, observed).astype(np.int8)



def build_label_protocol(cfg) -> BaseLabelProtocol:
    """Build a protocol from a config dict, or pass a callable through.

    Args:
        cfg (dict | callable | None): ``dict(type='PartialLabels', p=0.5)``,
            a protocol instance, or None for :class:`FullLabels`.

    Returns:
        callable: The protocol.
    """
    if cfg is None:
        return FullLabels()
    if isinstance(cfg, dict):
        return TASK_UTILS.build(cfg)
    if callable(cfg):
        return cfg
    raise TypeError('label_protocol must be a config dict, a callable or '
                    f'None, got {type(cfg).__name__}: {cfg!r}')
