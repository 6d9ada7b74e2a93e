"""CategoryPrototypes: EMA updates and scores by hand."""
import math

import pytest
import torch
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


# identical prototypes on two processes and the drift check:
# tests/models/heads/test_trm_rules.py (one pair of processes for both)
