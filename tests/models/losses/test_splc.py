import math

import pytest
import torch

from mmpretrain_mlr.models.losses import SPLCLoss


def sig(x):
    return 1 / (1 + math.exp(-x))


def focal_pos(z):
    """-(1 - s)^2 log s, s = sigmoid(z)."""
    return -(1 - sig(z))**2 * math.log(sig(z))


def focal_neg(z):
    """-s^2 log(1 - s), s = sigmoid(z)."""
    return -sig(z)**2 * math.log(1 - sig(z))


# observed positive at [0, 0] (margin: z - 1 = 1); unknowns at logits
# 1 (p 0.73), -1 (0.27), 0.5 (0.62), 3 (0.95); a known negative at 2 (0.88).
LOGITS = [[2., 1., -1.], [0.5, 2., 3.]]
OBSERVED = [[1, 0, 0], [0, -1, 0]]


def run(epoch, **kwargs):
    loss = SPLCLoss(**kwargs)
    loss.set_epoch(epoch)
    logits = torch.tensor(LOGITS, requires_grad=True)
    value = loss(logits, torch.tensor(OBSERVED))
    value.backward()
    return value.item(), logits.grad


def test_first_epoch_has_no_correction():
    value, _ = run(0)
    expected = (focal_pos(1.) + focal_neg(1.) + focal_neg(-1.) +
                focal_neg(.5) + focal_neg(2.) + focal_neg(3.))
    assert value == pytest.approx(expected)


def test_unknowns_above_tau_become_positives_after_the_first_epoch():
    value, grad = run(1)
    # corrected (no margin): 1, 0.5, 3; the known negative at 2 is not.
    expected = (focal_pos(1.) + focal_pos(1.) + focal_neg(-1.) +
                focal_pos(.5) + focal_neg(2.) + focal_pos(3.))
    assert value == pytest.approx(expected)
    # d/dz of -(1 - s)^2 log s = 2 s (1 - s)^2 log s - (1 - s)^3: the focal
    # weight is not detached and no margin is applied.
    s = sig(3.)
    assert grad[1,
                2].item() == pytest.approx(2 * s * (1 - s)**2 * math.log(s) -
                                           (1 - s)**3)
    # d/dz of -s^2 log(1 - s) = s^3 - 2 s^2 (1 - s) log(1 - s)
    s = sig(2.)
    assert grad[1, 1].item() == pytest.approx(s**3 - 2 * s**2 *
                                              (1 - s) * math.log(1 - s))


def test_tau_change_epoch_and_mean():
    # tau 0.9: only the unknown at 3 (p 0.95) is corrected
    value, _ = run(2, tau=0.9)
    expected = (focal_pos(1.) + focal_neg(1.) + focal_neg(-1.) +
                focal_neg(.5) + focal_neg(2.) + focal_pos(3.))
    assert value == pytest.approx(expected)
    assert run(2, change_epoch=3)[0] == pytest.approx(run(0)[0])
    assert run(1, reduction='mean')[0] == pytest.approx(run(1)[0] / 6)


def test_epoch_survives_a_state_dict_round_trip():
    loss = SPLCLoss()
    loss.set_epoch(4)
    restored = SPLCLoss()
    restored.load_state_dict(loss.state_dict())
    assert int(restored.epoch) == 4


def test_clear_errors():
    with pytest.raises(ValueError, match="'sum' or 'mean'"):
        SPLCLoss(reduction='none')
    with pytest.raises(ValueError, match='tau'):
        SPLCLoss(tau=1.5)
