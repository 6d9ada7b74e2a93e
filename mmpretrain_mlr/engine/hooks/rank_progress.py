"""Record each process's progress, to name a stalled one."""
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...utils.rank_progress import (publish_progress, start_heartbeat,
                                    stop_heartbeat)


@HOOKS.register_module()
class RankProgressHook(Hook):
    """Keep every rank's heartbeat and iteration in the process group's
    store.

    When a collective then times out (after ``env_cfg.dist_cfg.timeout``
    seconds), ``tools/train.py`` and ``tools/test.py`` read these entries
    and name the rank that stopped
    (:func:`~mmpretrain_mlr.utils.rank_progress.describe_stalled_ranks`).
    Does nothing in a single-process run.
    """
    priority = 'VERY_HIGH'

    def before_run(self, runner) -> None:
        start_heartbeat()

    def after_run(self, runner) -> None:
        stop_heartbeat()

    def before_train_iter(self, runner, batch_idx, data_batch=None) -> None:
        publish_progress('train', runner.iter + 1)

    def before_val_iter(self, runner, batch_idx, data_batch=None) -> None:
        publish_progress('val', batch_idx + 1)

    def before_test_iter(self, runner, batch_idx, data_batch=None) -> None:
        publish_progress('test', batch_idx + 1)
