"""Hooks (registered into mmpretrain's HOOKS registry)."""
from .set_epoch import LossEpochHook, SetEpochHook  # noqa: F401
from .best_and_last import BestAndLastHook  # noqa: F401
from .training_set_inference import TrainingSetInferenceHook  # noqa: F401
from .export_open_clip import ExportOpenCLIPHook  # noqa: F401
from .vocabulary_check import VocabularyCheckHook  # noqa: F401
from .safe_checkpoint import SafeCheckpointHook  # noqa: F401
from .random_state import RandomStateHook  # noqa: F401
from .divergence_guard import DivergenceError, DivergenceGuardHook  # noqa: F401,E501
from .strict_load import StrictLoadHook  # noqa: F401
from .observed_label_check import (NoKnownLabelsError,  # noqa: F401
                                   ObservedLabelCheckHook)
from .rank_progress import RankProgressHook  # noqa: F401
from .epoch_summary import EpochSummaryHook  # noqa: F401
from .label_protocol_summary import LabelProtocolSummaryHook  # noqa: F401
from .frozen_weights import FrozenWeightsHook  # noqa: F401
from .feature_cache import FeatureCacheHook  # noqa: F401
