import math

import torch

from mmpretrain_mlr.models.losses import PartialBCELoss


def test_normalisation_function_anchors():
    loss = PartialBCELoss()
    # g(q) = alpha q + beta with g(0.1) = 5 and g(1) = 1
    assert abs(loss.alpha - (-40 / 9)) < 1e-12
    assert abs(loss.beta - 49 / 9) < 1e-12
    assert abs(loss.alpha * 0.1 + loss.beta - 5) < 1e-12
    assert abs(loss.alpha + loss.beta - 1) < 1e-12


def test_closed_form_value():
    logits = torch.tensor([[0., 2., 5., 0.], [-1., 0., -3., 1.]])
    observed = torch.tensor([[1, -1, 0, 0], [1, 1, 1, -1]])
    # image 1: q = 1/2, g = -40/9 * 1/2 + 49/9 = 29/9
    img1 = 29 / 9 * (math.log(2) + math.log(1 + math.exp(2))) / 4
    # image 2: q = 1, g = 1
    img2 = (math.log(1 + math.e) + math.log(2) + math.log(1 + math.exp(3)) +
            math.log(1 + math.e)) / 4
    expected = (img1 + img2) / 2
    loss = PartialBCELoss()(logits, observed)
    assert abs(loss.item() - expected) < 1e-6
    assert abs(expected - 1.9318959) < 1e-6  # the figure worked by hand


def test_unknown_entries_get_zero_gradient():
    logits = torch.tensor([[0., 3., -2., 1.]], requires_grad=True)
    observed = torch.tensor([[1, 0, 0, 0]])
    PartialBCELoss()(logits, observed).backward()
    grad = logits.grad[0]
    # q = 1/4: g = -40/9 / 4 + 49/9 = 39/9; divided by C = 4; batch of 1
    assert abs(grad[0].item() - (-0.5 * 39 / 9 / 4)) < 1e-6
    assert grad[1:].abs().sum().item() == 0.0


def test_image_without_labels_and_loss_weight():
    logits = torch.tensor([[0., 1.], [2., -1.]])
    observed = torch.tensor([[1, -1], [0, 0]])
    full = PartialBCELoss(loss_weight=2.)(logits, observed)
    # image 2 contributes 0 but still counts in the batch mean
    expected = 2 * (math.log(2) + math.log(1 + math.e)) / 2 / 2
    assert abs(full.item() - expected) < 1e-6
