from .assume_negative import AssumeNegativeLoss
from .base_loss import ObservedLabelLoss
from .entropy_maximization import EntropyMaximizationLoss
from .expected_positive import ExpectedPositiveRegularizationLoss
from .hill import HillLoss
from .masked_asl import MaskedAsymmetricLoss
from .masked_bce import MaskedBCELoss
from .partial_bce import PartialBCELoss

__all__ = [
    'ObservedLabelLoss', 'AssumeNegativeLoss', 'EntropyMaximizationLoss',
    'ExpectedPositiveRegularizationLoss', 'HillLoss', 'MaskedAsymmetricLoss',
    'MaskedBCELoss', 'PartialBCELoss'
]
