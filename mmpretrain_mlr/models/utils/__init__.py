from .data_preprocessor import CacheAwareDataPreprocessor
from .distributed import (all_gather_rows, all_reduce_sum,
                          check_same_on_all_ranks, last_occurrence)
from .epoch_state import EpochStateMixin

__all__ = [
    'CacheAwareDataPreprocessor', 'all_gather_rows', 'all_reduce_sum',
    'check_same_on_all_ranks', 'last_occurrence', 'EpochStateMixin'
]
