"""SymmetricInfoNCELoss against values written out by hand."""
import math

import pytest
import torch

from mmpretrain_mlr.models.losses import SymmetricInfoNCELoss

# image u and text v embeddings (unit rows), scale 2:
# logits = 2 * u @ v.T = [[2.0, 1.2], [0.0, 1.6]]
U = torch.tensor([[1., 0.], [0., 1.]])
V = torch.tensor([[1., 0.], [0.6, 0.8]])


def lse(*xs):
    return math.log(sum(math.exp(x) for x in xs))


def test_diagonal_targets():
    rows = (lse(2.0, 1.2) - 2.0 + lse(0.0, 1.6) - 1.6) / 2
    cols = (lse(2.0, 0.0) - 2.0 + lse(1.2, 1.6) - 1.6) / 2
    loss = SymmetricInfoNCELoss()(U, V, 2.0)
    assert loss.item() == pytest.approx((rows + cols) / 2, abs=1e-6)


def test_repeated_captions_share_the_target():
    # both captions identical: each row's target is (1/2, 1/2)
    same = torch.ones(2, 2, dtype=torch.bool)
    rows = (lse(2.0, 1.2) - (2.0 + 1.2) / 2 + lse(0.0, 1.6) -
            (0.0 + 1.6) / 2) / 2
    cols = (lse(2.0, 0.0) - (2.0 + 0.0) / 2 + lse(1.2, 1.6) -
            (1.2 + 1.6) / 2) / 2
    loss = SymmetricInfoNCELoss(loss_weight=0.5)(U, V, 2.0, same)
    assert loss.item() == pytest.approx(0.5 * (rows + cols) / 2, abs=1e-6)
    eye = torch.eye(2, dtype=torch.bool)
    assert SymmetricInfoNCELoss()(U, V, 2.0, eye).item() == pytest.approx(
        SymmetricInfoNCELoss()(U, V, 2.0).item(), abs=1e-7)


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match=r'\[B, D\]'):
        SymmetricInfoNCELoss()(U, V[:1], 2.0)
