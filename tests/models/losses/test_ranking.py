import pytest
import torch

from mmpretrain_mlr.models.losses import PairwiseRankingLoss


def test_hand_computed_values_with_ignored_and_empty_rows():
    scores = torch.tensor([[0.9, 0.2, -0.5, 0.7],
                           [0.1, 0.3, 0.0, -0.2],
                           [0.5, -0.5, 0.4, 0.0]])
    observed = torch.tensor([[1, -1, -1, 0],    # pairs (0,1), (0,2)
                             [0, 0, 0, 0],      # no pair: contributes 0
                             [1, 1, -1, 0]])    # pairs (0,2), (1,2)
    # image 0: hinges 1 + 0.2 - 0.9 = 0.3 and 1 - 0.5 - 0.9 = -0.4 -> 0
    #          sum 0.3 over 1 violation
    # image 2: 1 + 0.4 - 0.5 = 0.9 and 1 + 0.4 + 0.5 = 1.9: 2.8 / 2
    expected = (0.3 / 1 + 0 + 2.8 / 2) / 3
    loss = PairwiseRankingLoss()(scores, observed.float())
    assert loss.item() == pytest.approx(expected, abs=1e-6)


def test_margin_and_weight():
    scores = torch.tensor([[0.5, 0.4]])
    observed = torch.tensor([[1., -1.]])
    loss = PairwiseRankingLoss(margin=0.2, loss_weight=3.)(scores, observed)
    assert loss.item() == pytest.approx(3 * (0.2 + 0.4 - 0.5), abs=1e-6)
    # a satisfied margin: no violation, loss 0 (not NaN)
    assert PairwiseRankingLoss(margin=0.05)(scores, observed).item() == 0


def test_gradient_only_through_violating_pairs():
    scores = torch.tensor([[0.9, 0.85, -1.0]], requires_grad=True)
    observed = torch.tensor([[1., -1., -1.]])
    PairwiseRankingLoss()(scores, observed).backward()
    # only the pair (0, 1) violates: 1 + 0.85 - 0.9 > 0, 1 - 1 - 0.9 < 0
    assert scores.grad[0].tolist() == pytest.approx([-1., 1., 0.])


def test_equals_the_all_pairs_form_of_the_release():
    """MKT's / SigRL's ``ranking_lossT``: every (q, p) pair as a [B, C, C]
    tensor, restricted to classes with a known label in the batch."""
    torch.manual_seed(0)
    scores = torch.rand(6, 9) * 2 - 1
    observed = torch.randint(-1, 2, (6, 9)).float()
    observed[:, 4] = 0  # a class unknown in the whole batch
    observed[2] = -1    # an image without a positive
    used = (observed.abs().sum(0) > 0).nonzero().flatten()
    labels, logits = observed[:, used], scores[:, used]
    pos, neg = labels.clamp(0, 1), (-labels).clamp(0, 1)
    mask = pos.unsqueeze(1) * neg.unsqueeze(-1)
    diff = (mask * (1 + (logits * neg).unsqueeze(-1) -
                    (logits * pos).unsqueeze(1))).clamp(min=0)
    expected = (diff.sum((1, 2)) / (diff.sign().sum((1, 2)) + 1e-8)).mean()
    loss = PairwiseRankingLoss()(scores, observed)
    assert loss.item() == pytest.approx(expected.item(), abs=1e-6)
