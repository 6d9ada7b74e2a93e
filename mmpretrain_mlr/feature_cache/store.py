"""Frozen features of one (dataset, view) on disk, memory-mapped.

A store is a folder named by its key (:mod:`.keys`) holding one ``.npy``
part per writing process and a ``manifest.json`` written last: rank r of w
holds the rows of samples r, r + w, r + 2w, ... A folder without its
manifest is an unfinished fill and is never read. Every file is written
under a temporary name and renamed, so a fill killed half-way leaves only
temporary files (removed by the next fill of the same key), and two
processes filling the same key write the same bytes: the last rename
wins.
"""
import glob
import json
import os
import os.path as osp
import shutil
import socket
import uuid
from typing import Optional, Sequence

import numpy as np

from ..utils.atomic_file import write_atomically
from ..utils.preloaded_python import process_alive

MANIFEST = 'manifest.json'


class FeatureCacheError(RuntimeError):
    """A feature cache that cannot be written or read as configured."""


def part_name(rank: int, world_size: int) -> str:
    """File name of the part written by ``rank`` of ``world_size``."""
    return f'part-{rank}-of-{world_size}.npy'


def format_bytes(num_bytes: float) -> str:
    """``1536`` -> ``'1.5 KiB'``."""
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if num_bytes < 1024 or unit == 'TiB':
            return f'{num_bytes:.1f} {unit}' if unit != 'B' else \
                f'{int(num_bytes)} B'
        num_bytes /= 1024


class FeatureStore:
    """The cached rows of one key: ``num_samples`` rows of ``row_shape``.

    Args:
        folder (str): the key's folder (``<cache dir>/<key>``).
    """

    def __init__(self, folder: str):
        self.folder = folder
        self._parts = None  # opened lazily, once per process
        self._manifest = None

    # ------------------------------------------------------------ reading
    @property
    def manifest_path(self) -> str:
        return osp.join(self.folder, MANIFEST)

    def complete(self) -> bool:
        """Whether a finished fill is on disk (its manifest exists)."""
        return osp.isfile(self.manifest_path)

    def manifest(self) -> dict:
        """The manifest of a finished fill: ``num_samples``,
        ``row_shape``, ``dtype``, ``world_size``, ``description``."""
        if self._manifest is None:
            with open(self.manifest_path) as f:
                self._manifest = json.load(f)
        return self._manifest

    def _open(self):
        manifest = self.manifest()
        world = manifest['world_size']
        parts = []
        for rank in range(world):
            path = osp.join(self.folder, part_name(rank, world))
            expected = len(range(rank, manifest['num_samples'], world))
            try:
                part = np.load(path, mmap_mode='r')
            except (OSError, ValueError) as err:
                raise FeatureCacheError(
                    f'feature cache {self.folder}: part {path} cannot be '
                    f'read ({err}); the cache folder must be on a file '
                    'system every rank sees. Delete the folder to refill '
                    'it.') from err
            if part.shape != (expected, *manifest['row_shape']) or \
                    str(part.dtype) != manifest['dtype']:
                raise FeatureCacheError(
                    f'feature cache {path}: holds {part.dtype} rows of '
                    f'shape {tuple(part.shape)}, the manifest says '
                    f'{manifest["dtype"]} '
                    f'{(expected, *manifest["row_shape"])}. Delete the '
                    'folder to refill it.')
            parts.append(part)
        self._parts = parts

    def read(self, index: int) -> np.ndarray:
        """The row of sample ``index`` (a read-only memory-mapped view)."""
        if self._parts is None:
            self._open()
        world = len(self._parts)
        return self._parts[index % world][index // world]

    def __getstate__(self):
        # dataloader workers open their own memory maps
        return dict(folder=self.folder, _parts=None, _manifest=None)

    # ------------------------------------------------------------ writing
    def remove_stale_temporaries(self) -> None:
        """Delete the temporary files of fills on this machine whose
        process is gone (killed while filling)."""
        host = socket.gethostname()
        for path in glob.glob(osp.join(self.folder, '.*.tmp-*')):
            try:
                owner = path.rsplit('.tmp-', 1)[1]
                owner_host, pid, _ = owner.rsplit('-', 2)
                if owner_host == host and not process_alive(int(pid)):
                    os.remove(path)
            except (ValueError, OSError):
                continue

    def check_free_space(self, num_bytes: int) -> None:
        """Raise :class:`FeatureCacheError` if the cache's disk cannot hold
        ``num_bytes`` more."""
        os.makedirs(self.folder, exist_ok=True)
        free = shutil.disk_usage(self.folder).free
        if num_bytes > free:
            raise FeatureCacheError(
                f'feature cache {self.folder} needs {format_bytes(num_bytes)}'
                f' but its disk has {format_bytes(free)} free: choose another '
                'cache_dir, dtype=\'float16\', or fewer views')

    def write_part(self, rank: int, world_size: int, rows: Sequence[int],
                   row_shape: Sequence[int], dtype: str, fill) -> None:
        """Write this rank's part: ``fill(memmap)`` writes the rows of
        samples ``rows`` (in that order) into the memory map, which is then
        flushed and renamed into place.

        Args:
            rank (int): this process's rank.
            world_size (int): number of writing processes.
            rows (Sequence[int]): the sample indices of this part.
            row_shape (Sequence[int]): the shape of one sample's row.
            dtype (str): ``'float16'`` or ``'float32'``.
            fill (callable): ``fill(array)`` with ``array`` of shape
                ``[len(rows), *row_shape]``.
        """
        os.makedirs(self.folder, exist_ok=True)
        final = osp.join(self.folder, part_name(rank, world_size))
        tmp = osp.join(
            self.folder, f'.{part_name(rank, world_size)}.tmp-'
            f'{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:8]}')
        try:
            array = np.lib.format.open_memmap(
                tmp, mode='w+', dtype=dtype,
                shape=(len(rows), *row_shape))
            fill(array)
            array.flush()
            del array
            os.replace(tmp, final)
        except BaseException:
            if osp.exists(tmp):
                os.remove(tmp)
            raise

    def write_manifest(self, num_samples: int, row_shape: Sequence[int],
                       dtype: str, world_size: int,
                       description: Optional[dict] = None) -> None:
        """Mark the fill finished (after every part is written)."""
        manifest = dict(num_samples=num_samples, row_shape=list(row_shape),
                        dtype=dtype, world_size=world_size,
                        description=description or {})
        write_atomically(self.manifest_path, lambda f: f.write(
            json.dumps(manifest, indent=1).encode()))
