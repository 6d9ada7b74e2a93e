import math

import pytest
import torch

from mmpretrain_mlr.models.losses import AssumeNegativeLoss

LOGITS = torch.tensor([[0., 2., -1.]])
OBSERVED = torch.tensor([[1, 0, -1]])


def test_an_closed_form():
    expected = (math.log(2) + math.log(1 + math.exp(2)) +
                math.log(1 + math.exp(-1))) / 3
    loss = AssumeNegativeLoss()(LOGITS, OBSERVED)
    assert abs(loss.item() - expected) < 1e-6


def test_an_ls_closed_form():
    # positive target 0.9, non-positive target 0.1
    pos = 0.9 * math.log(2) + 0.1 * math.log(2)
    unk = 0.9 * math.log(1 + math.exp(2)) + 0.1 * math.log(1 + math.exp(-2))
    neg = 0.9 * math.log(1 + math.exp(-1)) + 0.1 * math.log(1 + math.e)
    expected = (pos + unk + neg) / 3
    loss = AssumeNegativeLoss(label_smoothing=0.1)(LOGITS, OBSERVED)
    assert abs(loss.item() - expected) < 1e-6


def test_wan_closed_form():
    # C = 3: non-positive entries weighted 1 / (C - 1) = 1/2
    expected = (math.log(2) + (math.log(1 + math.exp(2)) +
                               math.log(1 + math.exp(-1))) / 2) / 3
    loss = AssumeNegativeLoss(negative_weight='wan')(LOGITS, OBSERVED)
    assert abs(loss.item() - expected) < 1e-6


def test_gradients():
    logits = LOGITS.clone().requires_grad_(True)
    AssumeNegativeLoss(label_smoothing=0.1,
                       negative_weight='wan')(logits, OBSERVED).backward()
    grad = logits.grad[0]
    # d/dl BCE(l, t) = sigmoid(l) - t, divided by B * C = 3
    assert abs(grad[0].item() - (0.5 - 0.9) / 3) < 1e-6
    sig2 = 1 / (1 + math.exp(-2))
    assert abs(grad[1].item() - (sig2 - 0.1) / 2 / 3) < 1e-6
    sigm1 = 1 / (1 + math.e)
    assert abs(grad[2].item() - (sigm1 - 0.1) / 2 / 3) < 1e-6


def test_loss_weight_and_mean_over_entries():
    one = AssumeNegativeLoss()(LOGITS, OBSERVED)
    two = AssumeNegativeLoss(loss_weight=3.)(LOGITS.repeat(2, 1),
                                             OBSERVED.repeat(2, 1))
    assert torch.allclose(two, 3 * one)


def test_bad_option():
    with pytest.raises(ValueError):
        AssumeNegativeLoss(negative_weight='foo')
