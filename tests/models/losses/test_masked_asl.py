import math

import torch

from mmpretrain_mlr.models.losses import MaskedAsymmetricLoss


def test_closed_form_value():
    logits = torch.tensor([[0., 2., 5.], [-1., 0., -3.]])
    observed = torch.tensor([[1, -1, 0], [0, 1, -1]])
    # logit 0, positive: p = 1/2 -> (1 - 1/2) * -log(1/2)
    pos_half = 0.5 * math.log(2)
    # logit 2, negative: p = sigmoid(2), q = 1 - p + 0.05
    p = 1 / (1 + math.exp(-2))
    q = 1 - p + 0.05
    neg_two = (1 - q) ** 2 * -math.log(q)
    # logit -3, negative: q = min(1, 1 - sigmoid(-3) + 0.05) = 1 -> 0
    expected = (pos_half + neg_two + pos_half + 0.0) / 2
    loss = MaskedAsymmetricLoss()(logits, observed)
    assert abs(loss.item() - expected) < 1e-6
    assert abs(expected - 0.959719) < 1e-6  # the figure worked by hand


def test_unknown_entries_get_zero_gradient_and_weights_are_detached():
    logits = torch.zeros(1, 3, requires_grad=True)
    observed = torch.tensor([[1, 0, -1]])
    MaskedAsymmetricLoss(clip=0.)(logits, observed).backward()
    grad = logits.grad[0]
    # positive at logit 0 with the focusing weight (1 - p) held constant:
    # d/dl [-(1 - p) log p] = -(1 - p)^2 = -1/4
    assert abs(grad[0].item() + 0.25) < 1e-6
    assert grad[1].item() == 0.0
    # negative, clip 0: d/dl [-p^2 log(1 - p)] with p^2 fixed = p^3 = 1/8
    assert abs(grad[2].item() - 0.125) < 1e-6


def test_loss_weight_and_batch_mean():
    logits = torch.tensor([[0.], [0.]])
    observed = torch.tensor([[1], [1]])
    one = MaskedAsymmetricLoss()(logits[:1], observed[:1])
    two = MaskedAsymmetricLoss(loss_weight=3.)(logits, observed)
    assert torch.allclose(two, 3 * one)
