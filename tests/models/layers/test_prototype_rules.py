"""CategoryPrototypes' update rules at values that expose them: the EMA at
momentum 0.9 (at 0.5 the old and new terms weigh the same, so swapping them
is invisible), the running affinity mean by the same EMA, and a class absent
from a batch keeping its prototype and its affinity mean."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401  (registers the components)


def unit(*xs):
    """The given vectors L2-normalised: [K, D]."""
    return F.normalize(torch.tensor(xs, dtype=torch.float), dim=-1)


def prototypes(momentum=0.9, num_classes=2):
    return MODELS.build(dict(type='CategoryPrototypes',
                             num_classes=num_classes, embed_dim=2,
                             momentum=momentum))


def test_ema_at_momentum_0_9_keeps_nine_tenths_of_the_old_prototype():
    protos = prototypes()
    text = torch.eye(2)
    # batch 1: class 0 from (1, 0) (first mean: becomes the prototype)
    protos.update(unit([1, 0], [0, 1])[None], text,
                  torch.tensor([[True, False]]))
    # batch 2: class 0 from (0, 1)
    protos.update(unit([0, 1], [0, 1])[None], text,
                  torch.tensor([[True, False]]))
    # P = normalize(0.9 * (1, 0) + 0.1 * (0, 1))
    expected = torch.tensor([0.9, 0.1]) / math.hypot(0.9, 0.1)
    torch.testing.assert_close(protos.visual[0], expected)
    # the affinity of batch 2's region (0, 1) with the prototype it met,
    # (1, 0), and with its text (1, 0): a2 = 0; the running mean starts at
    # the second batch
    assert protos.affinity_mean[0].item() == pytest.approx(0.)

    # batch 3: class 0 from (1, 1)/sqrt2 against P and T_0 = (1, 0)
    region = unit([1, 1])[0]
    a3 = (float(region @ expected) + float(region[0])) / 2
    protos.update(torch.stack([region, unit([0, 1])[0]])[None], text,
                  torch.tensor([[True, False]]))
    # m = 0.9 * m_old + 0.1 * a3, m_old = 0
    assert protos.affinity_mean[0].item() == pytest.approx(0.1 * a3)
    mixed = 0.9 * expected + 0.1 * region
    torch.testing.assert_close(protos.visual[0], mixed / mixed.norm())

    # batch 4: again (1, 0): m = 0.9 * (0.1 * a3) + 0.1 * a4
    p3 = protos.visual[0].clone()
    a4 = (float(p3[0]) + 1.) / 2
    protos.update(unit([1, 0], [0, 1])[None], text,
                  torch.tensor([[True, False]]))
    assert protos.affinity_mean[0].item() == pytest.approx(
        0.9 * 0.1 * a3 + 0.1 * a4)


def test_a_class_absent_from_the_batch_keeps_prototype_and_affinity_mean():
    protos = prototypes(num_classes=3)
    text = torch.eye(3, 2)  # class 2's text is (0, 0): cosines 0
    everyone = torch.tensor([[True, True, True]])
    protos.update(unit([1, 0], [0, 1], [1, 1])[None], text, everyone)
    protos.update(unit([1, 1], [0, 1], [1, 0])[None], text, everyone)
    visual = protos.visual.clone()
    affinity_mean = protos.affinity_mean.clone()
    assert bool(affinity_mean.ne(0).all())  # a state to lose

    # batch 3: only class 0 has a known positive; classes 1 and 2 appear
    # as negative or unknown entries (never as positives)
    protos.update(unit([0, 1], [1, 0], [-1, 1])[None], text,
                  torch.tensor([[True, False, False]]))
    torch.testing.assert_close(protos.visual[1:], visual[1:], rtol=0,
                               atol=0)
    torch.testing.assert_close(protos.affinity_mean[1:], affinity_mean[1:],
                               rtol=0, atol=0)
    # class 0 did move, by the EMA
    mixed = 0.9 * visual[0] + 0.1 * unit([0, 1])[0]
    torch.testing.assert_close(protos.visual[0], mixed / mixed.norm())
    assert protos.has_prototype.tolist() == [True, True, True]


def test_a_class_never_seen_has_no_prototype_and_scores_nan():
    protos = prototypes(num_classes=3)
    text = torch.eye(3, 2)
    protos.update(unit([1, 0], [0, 1], [1, 1])[None], text,
                  torch.tensor([[True, True, False]]))
    assert protos.has_prototype.tolist() == [True, True, False]
    assert protos.visual[2].abs().sum() == 0
    score = protos.score(unit([1, 0], [0, 1], [1, 1])[None], text)
    assert torch.isnan(score[0, 2]) and not torch.isnan(score[0, :2]).any()


def test_the_affinity_mean_averages_known_positives_only():
    protos = prototypes()
    text = torch.eye(2)
    positive_0 = torch.tensor([[True, False]])
    protos.update(unit([1, 0], [0, 1])[None], text, positive_0)
    protos.update(unit([1, 0], [0, 1])[None], text, positive_0)  # m = 0.1
    assert protos.affinity_mean[0].item() == pytest.approx(0.1)
    # two images: class 0 is a known positive in image 0 (region (1, 0),
    # affinity 1) and not in image 1 (region (1, 1) / sqrt2, affinity
    # 1 / sqrt2)
    regions = torch.stack([unit([1, 0], [0, 1]), unit([1, 1], [0, 1])])
    protos.update(regions, text, torch.tensor([[True, False],
                                               [False, False]]))
    assert protos.affinity_mean[0].item() == pytest.approx(0.9 * 0.1 + 0.1)
    # and the prototype moved towards (1, 0) only: it stays (1, 0)
    torch.testing.assert_close(protos.visual[0], torch.tensor([1., 0.]))
