import pytest
import torch

from mmpretrain_mlr.models.losses import (MaskedAsymmetricLoss,
                                          ObservedLabelLoss)


def test_shape_mismatch_is_a_clear_error():
    with pytest.raises(ValueError, match=r'\(2, 3\).*\(2, 4\)'):
        MaskedAsymmetricLoss()(torch.zeros(2, 3), torch.zeros(2, 4))


def test_compute_must_be_implemented():
    with pytest.raises(NotImplementedError, match='compute'):
        ObservedLabelLoss()(torch.zeros(1, 2), torch.zeros(1, 2))
