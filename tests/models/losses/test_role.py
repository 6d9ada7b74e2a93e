import math

import pytest
import torch

from mmpretrain_mlr.models.losses import ROLELoss


def sig(x):
    return 1 / (1 + math.exp(-x))


def bce(y, t):
    return -(t * math.log(y) + (1 - t) * math.log(1 - y))


LOGITS = [[1., -1.], [0., 2.]]
OBSERVED = [[1, 0], [0, -1]]
SAMPLE_IDX = [2, 0]
A, B = 0.5, -1.  # table logits of the two unknown entries: [2, 1], [0, 0]


def make_loss():
    loss = ROLELoss(num_samples=3, num_classes=2, expected_num_pos=1.)
    with torch.no_grad():
        loss.label_logits.copy_(torch.tensor([[B, 7.], [3., -4.], [-6., A]]))
    return loss


def run(loss):
    logits = torch.tensor(LOGITS, requires_grad=True)
    value = loss(logits,
                 torch.tensor(OBSERVED),
                 sample_idx=torch.tensor(SAMPLE_IDX))
    value.backward()
    return value.item(), logits.grad


def test_closed_form_value():
    value, _ = run(make_loss())
    # Estimates: [[1 (observed +), sig(A)], [sig(B), 0 (known -)]].
    image_side = (2 * -math.log(sig(1)) + bce(sig(-1), sig(A)) +
                  bce(0.5, sig(B)) + bce(sig(2), 0.))
    label_side = bce(sig(A), sig(-1)) + bce(sig(B), 0.5)
    main = 0.5 * (image_side + label_side) / 4
    reg_pred = (((sig(1) + sig(-1)) + (0.5 + sig(2))) / 2 - 1)**2 / 4
    reg_est = (((1 + sig(A)) + sig(B)) / 2 - 1)**2 / 4
    assert value == pytest.approx(main + 0.5 * (reg_pred + reg_est))


def test_gradients_reach_only_unknown_estimates_of_the_batch():
    loss = make_loss()
    run(loss)
    grad = loss.label_logits.grad
    assert grad[2, 1] != 0 and grad[0, 0] != 0
    # observed entries are clamped, sample 1 is not in the batch
    assert grad[2, 0] == 0 and grad[0, 1] == 0
    assert torch.all(grad[1] == 0)
    # d/da of 0.5 * BCE(sig(a), p_bar) / 4 + 0.5 * R(e):
    e_sum = ((1 + sig(A)) + sig(B)) / 2
    expected = (0.5 * (sig(A) - sig(-1)) / 4 + 0.5 * 2 *
                (e_sum - 1) / 4 * 0.5 * sig(A) * (1 - sig(A)))
    assert grad[2, 1].item() == pytest.approx(expected)


def test_initialisation_matches_the_authors():
    torch.manual_seed(0)
    loss = ROLELoss(num_samples=500, num_classes=4, expected_num_pos=1.)
    est = torch.sigmoid(loss.label_logits)
    assert est.min() >= 0.4 and est.max() <= 0.6
    assert est.min() < 0.41 and est.max() > 0.59  # spread, not constant


def test_table_survives_a_state_dict_round_trip():
    loss = make_loss()
    restored = ROLELoss(num_samples=3, num_classes=2, expected_num_pos=1.)
    restored.load_state_dict(loss.state_dict())
    assert run(restored)[0] == run(loss)[0]


def test_clear_errors():
    loss = make_loss()
    logits, observed = torch.tensor(LOGITS), torch.tensor(OBSERVED)
    with pytest.raises(ValueError, match='needs the dataset index'):
        loss(logits, observed)
    with pytest.raises(IndexError, match=r'sample_idx 3 .*num_samples=3'):
        loss(logits, observed, sample_idx=torch.tensor([3, 0]))
    with pytest.raises(ValueError, match='got 1 sample indices'):
        loss(logits, observed, sample_idx=torch.tensor([0]))
