"""Samples read from a feature cache instead of their images."""
import os
from typing import List, NamedTuple, Optional

import numpy as np
import torch

from .store import FeatureStore

#: data-sample metainfo field marking a sample read from a cache; its value
#: is the encoder depth the features were cut at (-1: the whole tower)
CACHED_FEATURES = 'cached_features'


class CachedFeatures(NamedTuple):
    """A batch of cached frozen features, as a model receives it.

    Attributes:
        tensor (Tensor): [B, ...] the frozen part's output (see
            ``BlockwiseEncoder.forward_to``).
        depth (int, optional): where the encoder was cut (None: the whole
            tower, the features packed as [B, 1 + N, D]).
    """
    tensor: torch.Tensor
    depth: Optional[int]


def depth_tag(depth: Optional[int]) -> int:
    """``depth`` as stored in a data sample's metainfo."""
    return -1 if depth is None else depth


def tag_depth(tag: int) -> Optional[int]:
    """The inverse of :func:`depth_tag`."""
    return None if tag == -1 else int(tag)


class CachedSampleReader:
    """Replaces a dataset's ``prepare_data``: a sample's labels and meta
    information as the dataset gives them, its image replaced by the
    cached features of the current view, packed by the pipeline's last
    transform (``PackInputs``), so the data sample is the one the images
    would give.

    The current view (augmented views: epoch e reads view e mod K) is read
    from ``view_file``, a one-line file the training hook rewrites each
    epoch: dataloader workers, persistent or not, see it change.

    Args:
        dataset (BaseDataset): the dataset whose samples to read.
        stores (list[FeatureStore]): one store per view.
        pack (callable): the transform packing a data info into ``inputs``
            and ``data_samples``.
        depth (int, optional): where the encoder was cut.
        view_file (str, optional): file holding the current view's index;
            needed with more than one view.
    """

    def __init__(self, dataset, stores: List[FeatureStore], pack,
                 depth: Optional[int], view_file: Optional[str] = None):
        if len(stores) > 1 and view_file is None:
            raise ValueError('CachedSampleReader: several views need a '
                             'view_file')
        self.dataset = dataset
        self.stores = stores
        self.pack = pack
        self.depth = depth
        self.view_file = view_file
        self._view = None  # (stat stamp of view_file, view) last read

    def current_view(self) -> int:
        """The view to read (0 with a single view)."""
        if len(self.stores) == 1:
            return 0
        # A stat per sample (microseconds), the file read only when it
        # changed: write_view renames a new file into place, so the inode
        # differs from that of the file last read even when the rewrite
        # falls within the file system's time resolution.
        info = os.stat(self.view_file)
        stamp = (info.st_ino, info.st_mtime_ns, info.st_size)
        if self._view is None or self._view[0] != stamp:
            with open(self.view_file) as f:
                self._view = (stamp, int(f.read()) % len(self.stores))
        return self._view[1]

    def __call__(self, idx: int) -> dict:
        data_info = self.dataset.get_data_info(idx)
        row = self.stores[self.current_view()].read(idx)
        data_info['img'] = torch.from_numpy(np.array(row))
        packed = self.pack(data_info)
        # set_field: set_metainfo would deep-copy its argument per sample
        packed['data_samples'].set_field(
            depth_tag(self.depth), CACHED_FEATURES, field_type='metainfo')
        return packed


def write_view(view_file: str, view: int) -> None:
    """Set the view the readers of ``view_file`` read."""
    tmp = f'{view_file}.{os.getpid()}.tmp'
    with open(tmp, 'w') as f:
        f.write(f'{view}\n')
    os.replace(tmp, view_file)
