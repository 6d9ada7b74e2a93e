"""The on-disk store: rows interleaved over ranks, nothing read before the
manifest, interrupted and concurrent fills."""
import json
import os
import os.path as osp
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch

from mmpretrain_mlr.feature_cache.fill import fill_store
from mmpretrain_mlr.feature_cache.store import FeatureCacheError, FeatureStore


def rows_of(indices, shape=(3, 2)):
    """The row of sample i: every entry equal to i (so a misplaced row
    shows)."""
    return np.stack([np.full(shape, i, dtype=np.float32) for i in indices])


@pytest.mark.parametrize('world_size', [1, 2, 3])
def test_parts_hold_every_world_size_th_sample(tmp_path, world_size):
    store = FeatureStore(str(tmp_path / 'key'))
    num = 7
    for rank in range(world_size):
        rows = list(range(rank, num, world_size))
        store.write_part(rank, world_size, rows, (3, 2), 'float16',
                         lambda a, rows=rows: a.__setitem__(
                             slice(None), rows_of(rows)))
    assert not store.complete()
    store.write_manifest(num, (3, 2), 'float16', world_size)
    reader = FeatureStore(str(tmp_path / 'key'))
    for i in range(num):
        row = reader.read(i)
        assert row.dtype == np.float16 and row.shape == (3, 2)
        assert (row == i).all()


def test_fill_store_writes_once_and_then_reads(tmp_path):
    calls = []

    def encode(samples):
        calls.append(len(samples))
        return torch.from_numpy(rows_of([s['i'] for s in samples]))

    kwargs = dict(num_samples=5, sample=lambda i: dict(i=i), encode=encode,
                  dtype='float32', batch_size=2, description=dict(a=1),
                  name='test')
    store = FeatureStore(str(tmp_path / 'key'))
    fill_store(store, **kwargs)
    # one sample for the row shape, then batches of 2, 2, 1
    assert calls == [1, 2, 2, 1]
    assert [float(store.read(i)[0, 0]) for i in range(5)] == [0, 1, 2, 3, 4]
    manifest = json.load(open(store.manifest_path))
    assert manifest['description'] == dict(a=1)
    assert manifest['row_shape'] == [3, 2]
    fill_store(FeatureStore(store.folder), **kwargs)
    assert calls == [1, 2, 2, 1]  # a finished fill is not redone


def test_an_interrupted_fill_leaves_nothing_readable(tmp_path):
    store = FeatureStore(str(tmp_path / 'key'))

    def encode(samples):
        if samples[0]['i'] >= 2:
            raise KeyboardInterrupt
        return torch.zeros(len(samples), 4)

    with pytest.raises(KeyboardInterrupt):
        fill_store(store, num_samples=4, sample=lambda i: dict(i=i),
                   encode=encode, dtype='float32', batch_size=2,
                   description={}, name='test')
    assert not store.complete()
    assert os.listdir(store.folder) == []


KILLED_FILL = textwrap.dedent('''
    import sys, time, torch
    from mmpretrain_mlr.feature_cache.fill import fill_store
    from mmpretrain_mlr.feature_cache.store import FeatureStore

    def encode(samples):
        if samples[0] >= 2:
            print(flush=True)  # after the progress bar's line
            print('SLEEPING', flush=True)
            time.sleep(600)
        return torch.zeros(len(samples), 4)

    fill_store(FeatureStore(sys.argv[1]), num_samples=8, sample=int,
               encode=encode, dtype='float32', batch_size=2,
               description={}, name='killed')
''')


def test_a_killed_fill_is_never_read_and_its_debris_is_removed(tmp_path):
    folder = str(tmp_path / 'key')
    proc = subprocess.Popen([sys.executable, '-c', KILLED_FILL, folder],
                            stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:  # the log and progress, then the marker
        if line.strip() == 'SLEEPING':
            break
    proc.kill()
    proc.wait()
    left = os.listdir(folder)
    assert left and all('.tmp-' in name for name in left)  # only debris
    store = FeatureStore(folder)
    assert not store.complete()
    fill_store(store, num_samples=3, sample=int,
               encode=lambda s: torch.ones(len(s), 4), dtype='float32',
               batch_size=2, description={}, name='again')
    assert sorted(os.listdir(folder)) == ['manifest.json', 'part-0-of-1.npy']
    assert (store.read(2) == 1).all()


CONCURRENT_FILL = textwrap.dedent('''
    import sys, time, torch
    from mmpretrain_mlr.feature_cache.fill import fill_store
    from mmpretrain_mlr.feature_cache.store import FeatureStore

    def encode(samples):
        time.sleep(0.01)
        return torch.stack([torch.full((16, 8), float(i)) for i in samples])

    fill_store(FeatureStore(sys.argv[1]), num_samples=64, sample=int,
               encode=encode, dtype='float32', batch_size=4,
               description={}, name='concurrent')
''')


def test_two_processes_fill_one_cache(tmp_path):
    folder = str(tmp_path / 'key')
    procs = [subprocess.Popen([sys.executable, '-c', CONCURRENT_FILL, folder],
                              stdout=subprocess.DEVNULL) for _ in range(2)]
    assert [p.wait(timeout=120) for p in procs] == [0, 0]
    assert sorted(os.listdir(folder)) == ['manifest.json', 'part-0-of-1.npy']
    store = FeatureStore(folder)
    for i in range(64):
        assert (store.read(i) == i).all()


def test_a_disk_too_small_is_refused_before_writing(tmp_path, monkeypatch):
    import shutil
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(
        shutil, 'disk_usage',
        lambda path: usage._replace(free=1000))
    store = FeatureStore(str(tmp_path / 'key'))
    with pytest.raises(FeatureCacheError, match='needs 1.5 KiB but its disk '
                       'has 1000 B free'):
        fill_store(store, num_samples=6, sample=int,
                   encode=lambda s: torch.zeros(len(s), 64),
                   dtype='float32', batch_size=2, description={}, name='x')
    assert os.listdir(store.folder) == []


def test_a_part_that_does_not_match_its_manifest_is_an_error(tmp_path):
    store = FeatureStore(str(tmp_path / 'key'))
    store.write_part(0, 1, [0, 1], (4, ), 'float32',
                     lambda a: a.__setitem__(slice(None), 0))
    store.write_manifest(3, (4, ), 'float32', 1)
    with pytest.raises(FeatureCacheError, match='the manifest says'):
        FeatureStore(store.folder).read(0)
    assert osp.isfile(store.manifest_path)
