import math

import torch

from mmpretrain_mlr.models.losses import MaskedBCELoss


def test_closed_form_value():
    logits = torch.tensor([[0., 2., 5.], [-1., 0., -3.]])
    observed = torch.tensor([[1, -1, 0], [0, 1, -1]])
    # known entries: +1 at 0, -1 at 2, +1 at 0, -1 at -3; mean over 4
    expected = (math.log(2) + math.log(1 + math.exp(2)) + math.log(2) +
                math.log(1 + math.exp(-3))) / 4
    loss = MaskedBCELoss()(logits, observed)
    assert abs(loss.item() - expected) < 1e-6
    assert abs(expected - 0.8904524) < 1e-6  # the figure worked by hand


def test_unknown_entries_get_zero_gradient():
    logits = torch.tensor([[0., 3., -2.]], requires_grad=True)
    observed = torch.tensor([[1, 0, -1]])
    MaskedBCELoss()(logits, observed).backward()
    grad = logits.grad[0]
    # d/dl -log(sigmoid(l)) at 0 is -(1 - 1/2); two known entries
    assert abs(grad[0].item() + 0.5 / 2) < 1e-6
    assert grad[1].item() == 0.0
    # d/dl -log(1 - sigmoid(l)) = sigmoid(l)
    assert abs(grad[2].item() - 1 / (1 + math.exp(2)) / 2) < 1e-6


def test_no_known_entry_gives_zero():
    logits = torch.tensor([[1., -1.]], requires_grad=True)
    observed = torch.zeros(1, 2, dtype=torch.long)
    loss = MaskedBCELoss()(logits, observed)
    assert loss.item() == 0.0
    loss.backward()
    assert torch.equal(logits.grad, torch.zeros(1, 2))


def test_loss_weight():
    logits = torch.tensor([[0.5, -1.], [2., 0.]])
    observed = torch.tensor([[1, -1], [0, 1]])
    one = MaskedBCELoss()(logits, observed)
    three = MaskedBCELoss(loss_weight=3.)(logits, observed)
    assert torch.allclose(three, 3 * one)
