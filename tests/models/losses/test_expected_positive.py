import math

import torch

from mmpretrain_mlr.models.losses import ExpectedPositiveRegularizationLoss

LOGITS = torch.tensor([[0., 0., 0.], [2., 2., 0.]])
OBSERVED = torch.tensor([[1, 0, 0], [0, -1, 1]])
SIG2 = 1 / (1 + math.exp(-2))
COUNT1, COUNT2 = 1.5, 2 * SIG2 + 0.5  # sum_c p per image


def test_closed_form_batch_regulariser():
    bce = 2 * math.log(2) / 6  # two observed positives at logit 0, B*C = 6
    reg = ((COUNT1 + COUNT2) / 2 - 1) ** 2 / 9
    loss = ExpectedPositiveRegularizationLoss(expected_num_pos=1)(LOGITS,
                                                                  OBSERVED)
    assert abs(loss.item() - (bce + reg)) < 1e-6


def test_closed_form_per_image_regulariser_and_weight():
    bce = 2 * math.log(2) / 6
    reg = ((COUNT1 - 1) ** 2 + (COUNT2 - 1) ** 2) / 2 / 9
    loss = ExpectedPositiveRegularizationLoss(
        expected_num_pos=1, reg_weight=0.5, per_image=True)(LOGITS, OBSERVED)
    assert abs(loss.item() - (bce + 0.5 * reg)) < 1e-6


def test_only_positives_get_bce_gradient():
    logits = LOGITS.clone().requires_grad_(True)
    ExpectedPositiveRegularizationLoss(expected_num_pos=1, reg_weight=0.)(
        logits, OBSERVED).backward()
    grad = logits.grad
    assert abs(grad[0, 0].item() + 0.5 / 6) < 1e-6
    assert abs(grad[1, 2].item() + 0.5 / 6) < 1e-6
    mask = torch.tensor([[False, True, True], [True, True, False]])
    assert grad[mask].abs().sum().item() == 0.0


def test_regulariser_gradient():
    logits = LOGITS.clone().requires_grad_(True)
    ExpectedPositiveRegularizationLoss(expected_num_pos=1)(
        logits, OBSERVED).backward()
    # d/dl_bc ((mean_b count_b - k) / C)^2 = 2 (mean - k) / C^2 / B * p(1-p)
    mean = (COUNT1 + COUNT2) / 2
    expected = 2 * (mean - 1) / 9 / 2 * 0.25  # unknown entry at logit 0
    assert abs(logits.grad[0, 1].item() - expected) < 1e-6


def test_loss_weight():
    one = ExpectedPositiveRegularizationLoss(expected_num_pos=2)(LOGITS,
                                                                 OBSERVED)
    three = ExpectedPositiveRegularizationLoss(
        expected_num_pos=2, loss_weight=3.)(LOGITS, OBSERVED)
    assert torch.allclose(three, 3 * one)
