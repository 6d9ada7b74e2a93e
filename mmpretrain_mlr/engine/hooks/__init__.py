"""Hooks (registered into mmpretrain's HOOKS registry)."""
from .set_epoch import LossEpochHook, SetEpochHook  # noqa: F401
from .best_and_last import BestAndLastHook  # noqa: F401
from .training_set_inference import TrainingSetInferenceHook  # noqa: F401
from .export_open_clip import ExportOpenCLIPHook  # noqa: F401
from .vocabulary_check import VocabularyCheckHook  # noqa: F401
