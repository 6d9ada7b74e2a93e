"""Hooks (registered into mmpretrain's HOOKS registry)."""
from .loss_epoch import LossEpochHook  # noqa: F401
from .best_and_last import BestAndLastHook  # noqa: F401
from .training_set_inference import TrainingSetInferenceHook  # noqa: F401
