"""Two processes of one job fill one cache: each writes its own part, the
ranks agree on completion, and every rank reads every sample."""
import os

import torch
import torch.distributed as dist

from mmpretrain_mlr.feature_cache.fill import fill_store
from mmpretrain_mlr.feature_cache.store import FeatureStore
from tests.forkserver import start_processes

NUM_SAMPLES = 7


def _worker(rank, port, folder, out_dir):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=2)
    try:
        encoded = []

        def encode(samples):
            encoded.extend(samples)
            # sample i's row: its index, then the rank that computed it
            return torch.tensor([[float(i), float(rank)] for i in samples])

        store = FeatureStore(folder)
        fill_store(store, num_samples=NUM_SAMPLES, sample=int,
                   encode=encode, dtype='float32', batch_size=2,
                   description={}, name='ddp')
        rows = [store.read(i).tolist() for i in range(NUM_SAMPLES)]
        torch.save((sorted(set(encoded)), rows), f'{out_dir}/{rank}.pt')
    finally:
        dist.destroy_process_group()


def test_two_ranks_fill_their_shares_and_read_all(free_port, tmp_path):
    folder = str(tmp_path / 'key')
    # forkserver children (tests/forkserver.py): fresh processes, not forks
    # of this one, without the import bill
    start_processes(_worker, args=(free_port, folder, str(tmp_path)),
                    nprocs=2)
    assert sorted(os.listdir(folder)) == [
        'manifest.json', 'part-0-of-2.npy', 'part-1-of-2.npy']
    expected = [[float(i), float(i % 2)] for i in range(NUM_SAMPLES)]
    for rank in (0, 1):
        encoded, rows = torch.load(tmp_path / f'{rank}.pt')
        assert encoded == list(range(rank, NUM_SAMPLES, 2))
        assert rows == expected
