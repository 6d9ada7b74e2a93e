"""CategoryPrototypes: EMA updates and scores by hand, identical state on
two processes, and the guard that catches a process that drifted."""
import math

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

from mmpretrain_mlr.models.layers import CategoryPrototypes


def unit(*xs):
    """The given vectors L2-normalised: [D] for one, [K, D] for K."""
    out = F.normalize(torch.tensor(xs, dtype=torch.float), dim=-1)
    return out[0] if len(xs) == 1 else out


def test_first_mean_then_ema_of_the_known_positives():
    protos = CategoryPrototypes(num_classes=2, embed_dim=2, momentum=0.5)
    text = torch.eye(2)
    regions = torch.stack([unit([1, 0], [0, 1]), unit([0, 1], [0, 1])])
    positives = torch.tensor([[True, False], [True, False]])
    protos.update(regions, text, positives)
    # class 0: mean of (1, 0) and (0, 1), normalised; class 1: none yet
    torch.testing.assert_close(protos.visual[0], unit([1, 1]))
    assert protos.visual[1].abs().sum() == 0
    assert protos.has_prototype.tolist() == [True, False]
    assert protos.affinity_mean[0] == 0  # starts with the second batch

    regions = torch.stack([unit([1, 0], [1, 0])])
    protos.update(regions, text, torch.tensor([[True, True]]))
    ema0 = F.normalize(0.5 * unit([1, 1]) + 0.5 * unit([1, 0]), dim=0)
    torch.testing.assert_close(protos.visual[0], ema0)
    torch.testing.assert_close(protos.visual[1], unit([1, 0]))  # first
    # affinity of R[0, 0] = (1, 0) with P_0 = (1, 1)/sqrt2 and T_0 = (1, 0)
    a = (1 / math.sqrt(2) + 1) / 2
    assert protos.affinity_mean[0].item() == pytest.approx(0.5 * a)
    assert protos.affinity_mean[1] == 0  # class 1's first batch


def test_score_by_hand():
    protos = CategoryPrototypes(num_classes=2, embed_dim=2, tau_proto=0.5,
                                tau_affinity=0.25)
    protos.visual.copy_(torch.stack([unit([1, 0]), unit([0, 1])]))
    protos.has_prototype.fill_(True)
    protos.affinity_mean.copy_(torch.tensor([0.5, 0.25]))
    text = torch.stack([unit([1, 1]), unit([0, 1])])
    regions = torch.stack([unit([1, 0], [1, 1])])  # [1, 2, 2]
    u = protos.score(regions, text)
    # entry (0, 0): R = (1, 0); cos to P = (1, 0), cos to T_0 = 1/sqrt2
    a0 = (1 + 1 / math.sqrt(2)) / 2
    r0 = math.exp(1 / 0.5) / (math.exp(1 / 0.5) + math.exp(0))
    u0 = r0 / (1 + math.exp(-(a0 - 0.5) / 0.25))
    # entry (0, 1): R = (1, 1)/sqrt2; cos to P_1 = 1/sqrt2 = cos to P_0
    a1 = (1 / math.sqrt(2) + 1 / math.sqrt(2)) / 2
    u1 = 0.5 / (1 + math.exp(-(a1 - 0.25) / 0.25))
    torch.testing.assert_close(u, torch.tensor([[u0, u1]]))
    protos.has_prototype[1] = False
    u = protos.score(regions, text)
    assert torch.isnan(u[0, 1])
    # without class 1's prototype the inter-class softmax is over class 0
    expected = 1 / (1 + math.exp(-(a0 - 0.5) / 0.25))
    assert u[0, 0].item() == pytest.approx(expected)


def _worker(rank, port, out_dir, tamper):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=2)
    try:
        protos = CategoryPrototypes(num_classes=3, embed_dim=4)
        gen = torch.Generator().manual_seed(rank)  # each its own batches
        text = torch.eye(3, 4)  # the text side is the same everywhere
        for _ in range(4):
            regions = F.normalize(torch.randn(2 + rank, 3, 4, generator=gen),
                                  dim=-1)
            positives = torch.rand(2 + rank, 3, generator=gen) < 0.6
            protos.update(regions, text, positives)
        protos.check_synchronised()
        torch.save({k: v.clone() for k, v in protos.state_dict().items()},
                   f'{out_dir}/{rank}.pt')
        if tamper and rank == 1:
            protos.visual[0, 0] += 1e-3
        try:
            protos.check_synchronised()
            outcome = 'passed'
        except RuntimeError as err:
            outcome = str(err)
        with open(f'{out_dir}/{rank}.txt', 'w') as f:
            f.write(outcome)
    finally:
        dist.destroy_process_group()


def test_two_processes_hold_identical_prototypes_and_drift_is_caught(
        free_port, tmp_path, hidden_gpus):
    # spawn, not fork: a forked child can deadlock in the OpenMP thread pool
    mp.start_processes(_worker, args=(free_port, str(tmp_path), True),
                       nprocs=2, join=True, start_method='spawn')
    states = [torch.load(tmp_path / f'{rank}.pt') for rank in (0, 1)]
    assert states[0]['has_prototype'].any()
    for key in states[0]:
        assert torch.equal(states[0][key], states[1][key]), key
    for rank in (0, 1):
        message = (tmp_path / f'{rank}.txt').read_text()
        assert 'ranks [1] disagree with rank 0' in message, message
