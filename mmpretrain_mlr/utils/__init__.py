"""Shared helpers: environment checks, checkpoint safety, CPU distributed.

Importing this package (which ``import mmpretrain_mlr`` does) registers the
weights-only checkpoint loader, so ``load_from`` and ``--resume`` work on
PyTorch >= 2.6 without ``weights_only=False``.
"""
from .cpu_distributed import init_gloo_process_group, prepare_cpu_distributed
from .atomic_file import write_atomically
from .checks import check_choice
from .mmcv_check import require_mmcv
from .safe_checkpoint import (UnsafeCheckpointError, checkpoint_safe_globals,
                              load_from_local_safe,
                              register_safe_checkpoint_loading)

register_safe_checkpoint_loading()

__all__ = [
    'require_mmcv', 'register_safe_checkpoint_loading',
    'checkpoint_safe_globals', 'load_from_local_safe',
    'UnsafeCheckpointError', 'prepare_cpu_distributed',
    'init_gloo_process_group', 'write_atomically', 'check_choice'
]
