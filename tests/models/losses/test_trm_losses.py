"""TRM-ML's multimodal contrastive and distillation losses against values
worked out by hand."""
import math

import pytest
import torch

from mmpretrain_mlr.models.losses import (MultimodalContrastiveLoss,
                                          RegionDistillationLoss)


def test_contrastive_loss_on_a_two_class_example():
    # D = 2, classes 0 and 1 with texts e0 = (1, 0) and e1 = (0, 1).
    # Image 0 is a known positive of class 0 (region (1, 0)), image 1 of
    # class 0 too (region (0.6, 0.8)) and of class 1 (region (0, 1)).
    regions = torch.zeros(2, 2, 2)
    regions[0, 0] = torch.tensor([1., 0.])
    regions[1, 0] = torch.tensor([0.6, 0.8])
    regions[1, 1] = torch.tensor([0., 2.])  # not unit: normalised
    text = torch.tensor([[1., 0.], [0., 1.]])
    positives = torch.tensor([[True, False], [True, True]])
    t = 0.5
    loss = MultimodalContrastiveLoss(temperature=t, loss_weight=1.)(
        regions, text, positives)
    # anchors in order: a0 = (1, 0) c0, a1 = (0.6, 0.8) c0, a2 = (0, 1) c1;
    # candidates: a0, a1, a2, e0, e1 (an anchor never with itself).
    cos = {('a0', 'a1'): 0.6, ('a0', 'a2'): 0., ('a0', 'e0'): 1.,
           ('a0', 'e1'): 0., ('a1', 'a2'): 0.8, ('a1', 'e0'): 0.6,
           ('a1', 'e1'): 0.8, ('a2', 'e0'): 0., ('a2', 'e1'): 1.}

    def s(x, y):
        return cos.get((x, y), cos.get((y, x)))

    def anchor_loss(anchor, positives_of):
        others = [c for c in ('a0', 'a1', 'a2', 'e0', 'e1') if c != anchor]
        log_denominator = math.log(
            sum(math.exp(s(anchor, o) / t) for o in others))
        return -sum(s(anchor, p) / t - log_denominator
                    for p in positives_of) / len(positives_of)

    expected = (anchor_loss('a0', ['a1', 'e0']) +
                anchor_loss('a1', ['a0', 'e0']) +
                anchor_loss('a2', ['e1'])) / 3
    assert loss.item() == pytest.approx(expected, rel=1e-6)


def test_contrastive_loss_without_positives_is_zero_with_a_graph():
    regions = torch.randn(2, 3, 4, requires_grad=True)
    loss = MultimodalContrastiveLoss()(regions, torch.randn(3, 4),
                                       torch.zeros(2, 3, dtype=torch.bool))
    assert loss.item() == 0 and loss.requires_grad


def test_feature_distillation_is_one_minus_cosine_of_the_mean_region():
    regions = torch.tensor([[[1., 0.], [1., 2.]]])  # mean (1, 1)
    image = torch.tensor([[2., 0.]])
    loss = RegionDistillationLoss(loss_weight=2.)(
        regions, image, torch.zeros(1, 2), torch.eye(2), torch.zeros(1, 2))
    assert loss.item() == pytest.approx(2 * (1 - 1 / math.sqrt(2)))


def test_logits_distillation_on_unknown_entries_only():
    image = torch.tensor([[3., 4.]])  # normalised (0.6, 0.8)
    text = torch.tensor([[1., 0.], [0., 2.]])
    logits = torch.tensor([[0.5, -1.]])
    observed = torch.tensor([[1., 0.]])  # only class 1 unknown
    loss = RegionDistillationLoss(mode='logits', teacher_logit_scale=2.)(
        torch.zeros(1, 2, 2), image, logits, text, observed)
    q = 1 / (1 + math.exp(-2 * 0.8))  # teacher probability of class 1
    p = 1 / (1 + math.exp(1.))
    expected = -(q * math.log(p) + (1 - q) * math.log(1 - p))
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    none_unknown = RegionDistillationLoss(mode='logits')(
        torch.zeros(1, 2, 2), image, logits.requires_grad_(), text,
        torch.ones(1, 2))
    assert none_unknown.item() == 0 and none_unknown.requires_grad


def test_unknown_mode_is_an_error():
    with pytest.raises(ValueError, match='`mode` must be one of'):
        RegionDistillationLoss(mode='attention')
