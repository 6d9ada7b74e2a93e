import math

import torch

from mmpretrain_mlr.models.losses import EntropyMaximizationLoss

SIG2 = 1 / (1 + math.exp(-2))


def binary_entropy(p):
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def test_closed_form_value():
    logits = torch.tensor([[0., 2., -1.], [0., 0., 0.]])
    observed = torch.tensor([[1, 0, -1], [0, 0, 1]])
    row1 = (math.log(2) - 0.1 * binary_entropy(SIG2) +
            math.log(1 + math.exp(-1)))
    row2 = -0.1 * math.log(2) * 2 + math.log(2)
    expected = (row1 + row2) / 6
    loss = EntropyMaximizationLoss()(logits, observed)
    assert abs(loss.item() - expected) < 1e-6


def test_gradients():
    logits = torch.tensor([[0., 2., -1., 0.]], requires_grad=True)
    observed = torch.tensor([[1, 0, -1, 0]])
    EntropyMaximizationLoss(alpha=0.2)(logits, observed).backward()
    grad = logits.grad[0]
    # positive: -(1 - p) / (B*C)
    assert abs(grad[0].item() + 0.5 / 4) < 1e-6
    # unknown: d/dl [-alpha H(sigmoid(l))] = alpha * l * p (1 - p)
    assert abs(grad[1].item() - 0.2 * 2 * SIG2 * (1 - SIG2) / 4) < 1e-6
    # known negative: sigmoid(l)
    assert abs(grad[2].item() - 1 / (1 + math.e) / 4) < 1e-6
    # unknown at maximal entropy: no push
    assert abs(grad[3].item()) < 1e-7


def test_loss_weight():
    logits = torch.tensor([[0.3, -2.], [1., 0.]])
    observed = torch.tensor([[1, 0], [0, -1]])
    one = EntropyMaximizationLoss()(logits, observed)
    three = EntropyMaximizationLoss(loss_weight=3.)(logits, observed)
    assert torch.allclose(three, 3 * one)
