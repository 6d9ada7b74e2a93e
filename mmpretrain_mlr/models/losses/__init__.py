from .assume_negative import AssumeNegativeLoss
from .base_loss import ObservedLabelLoss
from .em_apl import EntropyMaximizationAPLLoss
from .entropy_maximization import EntropyMaximizationLoss
from .expected_positive import ExpectedPositiveRegularizationLoss
from .hill import HillLoss
from .info_nce import SymmetricInfoNCELoss
from .large_loss import LargeLossLoss
from .masked_asl import MaskedAsymmetricLoss
from .masked_bce import MaskedBCELoss
from .multimodal_contrastive import MultimodalContrastiveLoss
from .partial_bce import PartialBCELoss
from .ranking import PairwiseRankingLoss
from .region_distillation import RegionDistillationLoss
from .role import ROLELoss
from .splc import SPLCLoss
from .stateful import EpochDependentLoss

__all__ = [
    'ObservedLabelLoss', 'AssumeNegativeLoss', 'EntropyMaximizationLoss',
    'ExpectedPositiveRegularizationLoss', 'HillLoss', 'MaskedAsymmetricLoss',
    'MaskedBCELoss', 'PartialBCELoss', 'EpochDependentLoss',
    'EntropyMaximizationAPLLoss', 'LargeLossLoss', 'ROLELoss', 'SPLCLoss',
    'SymmetricInfoNCELoss', 'MultimodalContrastiveLoss',
    'RegionDistillationLoss', 'PairwiseRankingLoss'
]
