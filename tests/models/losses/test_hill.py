import math

import torch

from mmpretrain_mlr.models.losses import HillLoss

LOGITS = torch.tensor([[0., 2., -1.]])
OBSERVED = torch.tensor([[1, 0, -1]])
SIG2 = 1 / (1 + math.exp(-2))
SIGM1 = 1 / (1 + math.e)


def hill(p):
    return (1.5 - p) * p ** 2


def test_closed_form_focal_margin_sum():
    # positive at logit 0: p_m = sigmoid(-1); -(1 - p_m)^2 log p_m
    pos = (1 - SIGM1) ** 2 * math.log(1 + math.e)
    expected = pos + hill(SIG2) + hill(SIGM1)
    loss = HillLoss()(LOGITS, OBSERVED)
    assert abs(loss.item() - expected) < 1e-6


def test_closed_form_bce_mean():
    expected = (math.log(2) + hill(SIG2) + hill(SIGM1)) / 3
    loss = HillLoss(positive_loss='bce', reduction='mean')(LOGITS, OBSERVED)
    assert abs(loss.item() - expected) < 1e-6


def test_weights_are_not_detached():
    logits = torch.tensor([[0., 1.]], requires_grad=True)
    observed = torch.tensor([[0, 1]])
    HillLoss()(logits, observed).backward()
    grad = logits.grad[0]
    # d/dl (lamb - p) p^2 = (2 lamb p - 3 p^2) p (1 - p); at p = 1/2: 0.1875
    assert abs(grad[0].item() - 0.1875) < 1e-6
    # focal margin at l = margin, q = 1/2, gamma = 2:
    # [gamma (1-q) log q - (1-q)^2 / q] q (1-q) = -(log 2 + 1/2) / 4
    assert abs(grad[1].item() + (math.log(2) + 0.5) / 4) < 1e-6


def test_loss_weight_and_sum_over_batch():
    one = HillLoss()(LOGITS, OBSERVED)
    two = HillLoss(loss_weight=3.)(LOGITS.repeat(2, 1), OBSERVED.repeat(2, 1))
    assert torch.allclose(two, 6 * one)
