"""Helpers of the stateful losses, and their agreement across processes."""
import pytest
import torch
import torch.distributed as dist

from mmpretrain_mlr.models.losses import (EntropyMaximizationAPLLoss,
                                          LargeLossLoss)
from mmpretrain_mlr.models.losses.stateful import (all_gather_rows,
                                                   last_occurrence)
from tests.forkserver import start_processes


def test_last_occurrence():
    unique, last = last_occurrence(torch.tensor([4, 1, 4, 0, 1, 4]))
    assert unique.tolist() == [0, 1, 4]
    assert last.tolist() == [3, 4, 5]


def test_all_gather_rows_without_process_group():
    a, b = torch.arange(3), torch.ones(3, 2, dtype=torch.bool)
    ga, gb = all_gather_rows(a, b)
    assert ga is a and gb is b


# Each process scores its own batch of 2 images x 4 classes. In epoch 1
# with delta_rel 0.25, LL-Cp corrects the 2 largest unknown logits of each
# batch: rank 0 -> k = ceil(8 / 4) = 2: [0, 3] and [1, 1] (logits 5, 4);
# rank 1, with 3 images (the processes hold different row counts) ->
# k = ceil(12 / 4) = 3: [7, 2], [6, 0], [7, 1] (logits 6, 3, 1).
BATCHES = {
    0: ([0, 1], [[0., 1., -1., 5.], [1., 4., -2., 0.]], [[1, 0, 0, 0],
                                                         [0, 0, 0, -1]]),
    1: ([6, 7, 2], [[3., -1., 1., 0.], [0., 1., 6., -3.],
                    [-2., -2., 1., 1.]], [[0, 0, 1, 0], [0, 0, 0, 0],
                                          [1, 1, 1, 1]]),
}


def _worker(rank, port, out_dir):
    dist.init_process_group('gloo',
                            init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank,
                            world_size=2)
    try:
        idx, logits, observed = map(torch.tensor, BATCHES[rank])
        cp = LargeLossLoss(mode='correct_permanent',
                           delta_rel=0.25,
                           num_samples=8,
                           num_classes=4)
        apl = EntropyMaximizationAPLLoss(num_samples=8, num_classes=4)
        for loss in (cp, apl):
            loss.set_epoch(1)
            loss(logits, observed, sample_idx=idx)
        torch.save((cp.corrected, apl.pred_cache), f'{out_dir}/{rank}.pt')
    finally:
        dist.destroy_process_group()


def test_two_processes_agree(free_port, tmp_path):
    # forkserver children (tests/forkserver.py), as spawned ones but with the
    # package imported once; not forks of this process, which could
    # deadlock in the OpenMP thread pool its torch already started
    start_processes(_worker, args=(free_port, str(tmp_path)))
    out = [torch.load(tmp_path / f'{rank}.pt') for rank in (0, 1)]
    expected = torch.zeros(8, 4, dtype=torch.bool)
    for row, col in ((0, 3), (1, 1), (7, 2), (6, 0), (7, 1)):
        expected[row, col] = True
    for rank in (0, 1):
        assert torch.equal(out[rank][0], expected), rank
    # predictions of both processes' unknowns, on both processes
    cache = out[0][1]
    assert torch.equal(cache, out[1][1])
    assert cache[0, 3] == pytest.approx(torch.sigmoid(torch.tensor(5.)))
    assert cache[7, 2] == pytest.approx(torch.sigmoid(torch.tensor(6.)))
    assert torch.all(cache[0, 0] == -1) and torch.all(cache[2] == -1)
    assert torch.all(cache[[3, 4, 5]] == -1)  # not in any batch
