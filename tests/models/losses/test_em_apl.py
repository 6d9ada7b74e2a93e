import math

import pytest
import torch

from mmpretrain_mlr.models.losses import EntropyMaximizationAPLLoss


def sig(x):
    return 1 / (1 + math.exp(-x))


def entropy(p):
    return -(p * math.log(p) + (1 - p) * math.log(1 - p))


def bce(y, t):
    return -(t * math.log(y) + (1 - t) * math.log(1 - y))


# Four images, two classes. Unknown entries: class 0 rows 1, 2, 3 (logits
# 1, -1, 0); class 1 rows 0, 2, 3 (logits 0.3, -3, 1). [0, 0] is an observed
# positive, [1, 1] a known negative.
LOGITS = [[-2., .3], [1., 2.], [-1., -3.], [0., 1.]]
OBSERVED = [[1, 0], [0, -1], [0, 0], [0, 0]]


def make_loss():
    # 3 epochs, warm-up 1: 2 rounds of floor(0.9 * 3 / 2) = 1 label per class
    loss = EntropyMaximizationAPLLoss(num_samples=4,
                                      num_classes=2,
                                      warmup_epoch=1,
                                      num_epochs=3)
    loss.set_epoch(0)
    loss(torch.tensor(LOGITS),
         torch.tensor(OBSERVED),
         sample_idx=torch.arange(4))
    return loss


def test_warm_up_is_plain_em():
    loss = EntropyMaximizationAPLLoss(num_samples=4, num_classes=2)
    loss.set_epoch(0)
    value = loss(torch.tensor(LOGITS),
                 torch.tensor(OBSERVED),
                 sample_idx=torch.arange(4))
    expected = (-math.log(sig(-2)) - 0.1 * entropy(sig(.3)) -
                0.1 * entropy(sig(1)) - math.log(1 - sig(2)) -
                0.1 * entropy(sig(-1)) - 0.1 * entropy(sig(-3)) -
                0.1 * math.log(2) - 0.1 * entropy(sig(1))) / 8
    assert value.item() == pytest.approx(expected)


def test_predictions_of_unknowns_are_cached():
    loss = make_loss()
    expected = torch.tensor([[-1, sig(.3)], [sig(1), -1], [sig(-1),
                                                           sig(-3)],
                             [.5, sig(1)]])
    assert torch.allclose(loss.pred_cache, expected)
    assert torch.all(loss.pseudo_target == -1)


def test_rounds_label_the_lowest_unknowns_of_each_class():
    loss = make_loss()
    loss.set_epoch(1)
    expected = torch.full((4, 2), -1.)
    expected[2] = torch.tensor([sig(-1), sig(-3)])
    assert torch.allclose(loss.pseudo_target, expected)
    loss.set_epoch(1)  # the same epoch again: no new round
    assert torch.allclose(loss.pseudo_target, expected)
    loss.set_epoch(2)  # next lowest free ones: [3, 0] (0.5), [0, 1] (0.57)
    expected[3, 0], expected[0, 1] = .5, sig(.3)
    assert torch.allclose(loss.pseudo_target, expected)


def test_loss_on_pseudo_labelled_entries():
    loss = make_loss()
    loss.set_epoch(1)
    logits = torch.tensor([[.5, -1.], [2., 0.]], requires_grad=True)
    value = loss(logits, torch.zeros(2, 2), sample_idx=torch.tensor([2, 3]))
    value.backward()
    # row of image 2: both pseudo-labelled; image 3: plain unknowns
    expected = (0.9 * bce(sig(.5), sig(-1)) + 0.9 * bce(sig(-1), sig(-3)) -
                0.1 * entropy(sig(2)) - 0.1 * math.log(2)) / 4
    assert value.item() == pytest.approx(expected)
    # gradient of beta * BCE: beta * (p - s) / (B * C)
    assert logits.grad[0, 0].item() == pytest.approx(0.9 *
                                                     (sig(.5) - sig(-1)) / 4)
    assert abs(logits.grad[1, 1].item()) < 1e-7  # entropy at its maximum


def test_state_survives_a_state_dict_round_trip():
    loss = make_loss()
    loss.set_epoch(1)
    restored = EntropyMaximizationAPLLoss(num_samples=4,
                                          num_classes=2,
                                          warmup_epoch=1,
                                          num_epochs=3)
    restored.load_state_dict(loss.state_dict())
    assert torch.equal(restored.pseudo_target, loss.pseudo_target)
    restored.set_epoch(2)
    loss.set_epoch(2)
    assert torch.equal(restored.pseudo_target, loss.pseudo_target)


def test_clear_errors():
    with pytest.raises(ValueError, match=r'num_epochs \(5\) must exceed'):
        EntropyMaximizationAPLLoss(num_samples=1,
                                   num_classes=1,
                                   warmup_epoch=5,
                                   num_epochs=5)
    loss = EntropyMaximizationAPLLoss(num_samples=4, num_classes=2)
    with pytest.raises(ValueError, match='needs the dataset index'):
        loss(torch.zeros(1, 2), torch.zeros(1, 2))
