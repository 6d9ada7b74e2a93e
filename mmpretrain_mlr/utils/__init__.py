"""Shared helpers: environment checks, checkpoint safety, CPU distributed.

Importing this package (which ``import mmpretrain_mlr`` does) registers the
weights-only checkpoint loader, so ``load_from`` and ``--resume`` work on
PyTorch >= 2.6 without ``weights_only=False``.
"""
from .cpu_distributed import init_gloo_process_group, prepare_cpu_distributed
from .atomic_file import write_atomically
from .checks import check_choice
from .mmcv_check import require_mmcv
from .safe_checkpoint import (ChecksumMismatchError, CorruptCheckpointError,
                              UnsafeCheckpointError,
                              checkpoint_safe_globals, load_from_local_safe,
                              register_safe_checkpoint_loading)
from .atomic_backend import AtomicLocalBackend
from .resume_checkpoint import checkpoint_problem, find_resumable_checkpoint
from .rng_state import get_rng_state, set_rng_state
from .state_dict_check import (StateDictMismatchError, check_state_dict,
                               compare_state_dicts)
from .cfg_options import CfgOptionsError, check_cfg_options
from .rank_progress import StalledRankError

register_safe_checkpoint_loading()

__all__ = [
    'require_mmcv', 'register_safe_checkpoint_loading',
    'checkpoint_safe_globals', 'load_from_local_safe',
    'UnsafeCheckpointError', 'prepare_cpu_distributed',
    'init_gloo_process_group', 'write_atomically', 'check_choice',
    'CorruptCheckpointError', 'ChecksumMismatchError', 'AtomicLocalBackend',
    'checkpoint_problem',
    'find_resumable_checkpoint', 'get_rng_state', 'set_rng_state',
    'StateDictMismatchError', 'check_state_dict', 'compare_state_dicts',
    'CfgOptionsError', 'check_cfg_options', 'StalledRankError'
]
