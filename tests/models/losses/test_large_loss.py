import math

import pytest
import torch

from mmpretrain_mlr.models.losses import LargeLossLoss


def sp(x):
    """softplus: -log(1 - sigmoid(x)) = sp(x), -log(sigmoid(x)) = sp(-x)."""
    return math.log1p(math.exp(x))


# Unknown entries (0) have logits 0.5, -1, 1 | -0.5, 0, -2; the known
# negative (-1) at [1, 1] has the largest negative loss of all, sp(3), but
# may never be rejected or corrected.
LOGITS = [[2., 0.5, -1., 1.], [-0.5, 3., 0., -2.]]
OBSERVED = [[1, 0, 0, 0], [0, -1, 0, 0]]
AN_TERMS = {
    (0, 0): sp(-2),
    (0, 1): sp(.5),
    (0, 2): sp(-1),
    (0, 3): sp(1),
    (1, 0): sp(-.5),
    (1, 1): sp(3),
    (1, 2): sp(0),
    (1, 3): sp(-2)
}


def an_with(changes):
    """AN loss over the 8 entries with some entries' costs replaced."""
    terms = {**AN_TERMS, **changes}
    return sum(terms.values()) / 8


def run(loss, epoch, sample_idx=None, logits=LOGITS, observed=OBSERVED):
    loss.set_epoch(epoch)
    logits = torch.tensor(logits, requires_grad=True)
    value = loss(logits, torch.tensor(observed), sample_idx=sample_idx)
    value.backward()
    return value.item(), logits.grad


@pytest.mark.parametrize('mode', ['reject', 'correct_temporary'])
def test_first_epoch_is_plain_assume_negative(mode):
    value, _ = run(LargeLossLoss(mode=mode, delta_rel=0.25), epoch=0)
    assert value == pytest.approx(an_with({}))


def test_reject_drops_the_largest_unknown_losses():
    # epoch 1, delta 0.25: k = ceil(8 * 0.25) = 2 -> logits 1 and 0.5
    value, grad = run(LargeLossLoss(mode='reject', delta_rel=0.25), epoch=1)
    assert value == pytest.approx(an_with({(0, 3): 0., (0, 1): 0.}))
    assert grad[0, 3] == 0 and grad[0, 1] == 0
    # a kept unknown: d sp(x) / dx / 8 = sigmoid(x) / 8
    assert grad[0, 2].item() == pytest.approx(1 / (1 + math.e) / 8)
    # epoch 2: rate 0.5 -> k = 4, adding the unknowns at 0 and -0.5
    value, grad = run(LargeLossLoss(mode='reject', delta_rel=0.25), epoch=2)
    assert value == pytest.approx(
        an_with({
            (0, 3): 0.,
            (0, 1): 0.,
            (1, 2): 0.,
            (1, 0): 0.
        }))
    assert grad[1, 1] != 0  # the known negative is kept


def test_k_rounds_up():
    # epoch 1, delta 0.3: k = ceil(8 * 0.3) = ceil(2.4) = 3
    value, _ = run(LargeLossLoss(mode='reject', delta_rel=0.3), epoch=1)
    assert value == pytest.approx(an_with({
        (0, 3): 0.,
        (0, 1): 0.,
        (1, 2): 0.
    }))


def test_correct_temporary_scores_them_as_positives():
    loss = LargeLossLoss(mode='correct_temporary', delta_rel=0.25)
    value, grad = run(loss, epoch=1)
    assert value == pytest.approx(an_with({(0, 3): sp(-1), (0, 1): sp(-.5)}))
    # -(1 - sigmoid(1)) / 8 on the flipped entry
    assert grad[0, 3].item() == pytest.approx(-1 / (1 + math.e) / 8)
    # nothing is remembered: the next step selects the same entries again
    assert run(loss, epoch=1)[0] == pytest.approx(value)


def test_schedule():
    loss = LargeLossLoss(mode='reject', delta_rel=0.002)
    cp = LargeLossLoss(mode='correct_permanent',
                       delta_rel=0.002,
                       num_samples=1,
                       num_classes=1)
    for epoch, rate, cp_rate in ((0, 0, 0), (1, .002, .002), (3, .006, .002)):
        loss.set_epoch(epoch)
        cp.set_epoch(epoch)
        assert loss.rate() == pytest.approx(rate)
        assert cp.rate() == cp_rate


def test_correct_permanent_remembers_corrections():
    loss = LargeLossLoss(mode='correct_permanent',
                         delta_rel=0.25,
                         num_samples=5,
                         num_classes=4)
    sample_idx = torch.tensor([3, 1])
    value, _ = run(loss, epoch=0, sample_idx=sample_idx)
    assert value == pytest.approx(an_with({}))
    assert not loss.corrected.any()

    value, _ = run(loss, epoch=1, sample_idx=sample_idx)
    assert value == pytest.approx(an_with({(0, 3): sp(-1), (0, 1): sp(-.5)}))
    expected = torch.zeros(5, 4, dtype=torch.bool)
    expected[3, 3] = expected[3, 1] = True
    assert torch.equal(loss.corrected, expected)

    # The same batch again: [0, 1] and [0, 3] are now positives; the two
    # largest remaining unknowns (logits 0 and -0.5) are corrected.
    value, _ = run(loss, epoch=1, sample_idx=sample_idx)
    assert value == pytest.approx(
        an_with({
            (0, 3): sp(-1),
            (0, 1): sp(-.5),
            (1, 2): sp(0),
            (1, 0): sp(.5)
        }))
    expected[1, 2] = expected[1, 0] = True
    assert torch.equal(loss.corrected, expected)


def test_permanent_state_round_trip():
    loss = LargeLossLoss(mode='correct_permanent',
                         delta_rel=0.25,
                         num_samples=5,
                         num_classes=4)
    run(loss, epoch=1, sample_idx=torch.tensor([3, 1]))
    state = loss.state_dict()
    assert set(state) == {'epoch', 'corrected'}
    restored = LargeLossLoss(mode='correct_permanent',
                             delta_rel=0.25,
                             num_samples=5,
                             num_classes=4)
    restored.load_state_dict(state)
    assert int(restored.epoch) == 1
    restored.set_epoch(1)  # as LossEpochHook does on resume
    assert torch.equal(restored.corrected, loss.corrected)
    logits, observed = torch.tensor(LOGITS), torch.tensor(OBSERVED)
    idx = torch.tensor([3, 1])
    assert restored(logits, observed, idx) == loss(logits, observed, idx)


def test_clear_errors():
    with pytest.raises(ValueError, match='`mode` must be one of'):
        LargeLossLoss(mode='drop')
    with pytest.raises(ValueError, match='fraction'):
        LargeLossLoss(delta_rel=0.2 * 100)
    with pytest.raises(ValueError, match='num_samples'):
        LargeLossLoss(mode='correct_permanent')
    loss = LargeLossLoss(mode='correct_permanent',
                         num_samples=2,
                         num_classes=4)
    logits, observed = torch.tensor(LOGITS), torch.tensor(OBSERVED)
    with pytest.raises(ValueError, match='sample_idx'):
        loss(logits, observed)
    with pytest.raises(IndexError, match=r'sample_idx 3 .*num_samples=2'):
        loss(logits, observed, sample_idx=torch.tensor([0, 3]))
    with pytest.raises(ValueError, match='num_classes=4'):
        loss(logits[:, :3], observed[:, :3], sample_idx=torch.tensor([0, 1]))


def test_warns_when_the_epoch_is_never_set():
    with pytest.warns(UserWarning, match='SetEpochHook'):
        LargeLossLoss()(torch.tensor(LOGITS), torch.tensor(OBSERVED))
