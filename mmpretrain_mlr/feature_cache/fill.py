"""Filling a feature store: the frozen part run once over a dataset."""
import contextlib
import random
from typing import Callable, List, Optional

import numpy as np
import torch
from mmengine.dist import barrier, broadcast_object_list, get_dist_info
from mmengine.logging import print_log
from mmengine.utils import ProgressBar

from .store import FeatureStore, format_bytes


@contextlib.contextmanager
def seeded_randomness(seed: Optional[int]):
    """Python's, numpy's and torch's global generators seeded with
    ``seed`` inside the block and restored after it (None: untouched).
    Augmented view v of sample i is drawn under its own seed, so it is
    the same in every fill and every process."""
    if seed is None:
        yield
        return
    states = random.getstate(), np.random.get_state(), torch.get_rng_state()
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
    try:
        yield
    finally:
        random.setstate(states[0])
        np.random.set_state(states[1])
        torch.set_rng_state(states[2])


def view_seed(seed: int, view: int, index: int) -> int:
    """The seed of augmented view ``view`` of sample ``index``."""
    state = np.random.SeedSequence([seed, view, index]).generate_state(1)
    return int(state[0])


def fill_store(store: FeatureStore, *, num_samples: int,
               sample: Callable[[int], dict],
               encode: Callable[[List[dict]], torch.Tensor], dtype: str,
               batch_size: int, description: dict, name: str) -> None:
    """Compute and write the rows of ``store`` unless a finished fill is on
    disk; under a distributed job each rank writes its share (samples
    rank, rank + world, ...) and the ranks agree before and after.

    Args:
        store (FeatureStore): where to write.
        num_samples (int): number of samples.
        sample (callable): ``sample(i)`` -> the packed sample ``i``
            (``inputs``: the image tensor, ``data_samples``).
        encode (callable): a list of packed samples -> their frozen
            features [B, ...] (no gradients).
        dtype (str): ``'float16'`` or ``'float32'``.
        batch_size (int): samples per forward.
        description (dict): what the store holds (its key's description).
        name (str): what is filled, for the log (``'train, view 0 of 2'``).
    """
    rank, world_size = get_dist_info()
    done = [store.complete() if rank == 0 else None]
    if world_size > 1:
        broadcast_object_list(done)
    if done[0]:
        print_log(f'feature cache: {name} read from {store.folder}',
                  logger='current')
        return
    store.remove_stale_temporaries()
    rows = list(range(rank, num_samples, world_size))
    with torch.no_grad():
        first = encode([sample(rows[0])])[0] if rows else None
    row_shape = [int(n) for n in first.shape] if first is not None else []
    itemsize = np.dtype(dtype).itemsize
    total = num_samples * int(np.prod(row_shape)) * itemsize
    print_log(
        f'feature cache: filling {name}: {num_samples} samples x '
        f'{tuple(row_shape)} {dtype} = {format_bytes(total)} in '
        f'{store.folder}', logger='current')
    store.check_free_space(total // world_size)

    def write(array):
        bar = ProgressBar(len(rows)) if rank == 0 else None
        for start in range(0, len(rows), batch_size):
            chunk = rows[start:start + batch_size]
            with torch.no_grad():
                feats = encode([sample(i) for i in chunk])
            array[start:start + len(chunk)] = feats.float().cpu().numpy()
            if bar is not None:
                bar.update(len(chunk))
        if bar is not None:
            print()

    store.write_part(rank, world_size, rows, row_shape, dtype, write)
    if world_size > 1:
        barrier()
    if rank == 0:
        store.write_manifest(num_samples, row_shape, dtype, world_size,
                             description)
    if world_size > 1:
        barrier()
