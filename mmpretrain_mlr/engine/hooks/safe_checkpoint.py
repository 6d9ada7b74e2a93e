"""CheckpointHook whose checkpoints survive a kill at any moment."""
import os
import os.path as osp

from mmengine.dist import is_main_process
from mmengine.hooks import CheckpointHook
from mmpretrain.registry import HOOKS

from ...utils.atomic_backend import find_partial_files
from ...utils.atomic_file import write_atomically
from ...utils.checkpoint_digest import add_digest
from ...utils.resume_checkpoint import find_resumable_checkpoint
from ..runner import (checkpoint_to_load, is_resuming,
                      set_checkpoint_to_load)


@HOOKS.register_module()
class SafeCheckpointHook(CheckpointHook):
    """:class:`mmengine.hooks.CheckpointHook` with crash-safe writes.

    Same arguments and files as ``CheckpointHook``; in addition

    - local checkpoints are written through the ``'atomic_local'`` file
      backend (:class:`~mmpretrain_mlr.utils.atomic_backend.
      AtomicLocalBackend`): a temporary file in the same folder, flushed
      and renamed into place. This covers the rewrite of the newest
      ``epoch_K.pth`` after a new best, which ``CheckpointHook`` does in
      place;
    - the ``last_checkpoint`` pointer is replaced the same way;
    - the previous best checkpoint is removed only after the new best one
      is written (``CheckpointHook`` removes it first, so a kill in between
      left no best checkpoint);
    - temporary files left by a killed run are removed when training
      starts (they never have a checkpoint's name, so nothing picks them up);
    - with ``resume=True`` and no ``load_from`` (auto resume), the run
      resumes from the newest *readable* checkpoint, skipping unreadable
      ones with a warning naming them, instead of trusting
      ``last_checkpoint`` blindly;
    - an epoch's checkpoint is written before that epoch's validation, so a
      run killed in between would resume without ever validating that
      epoch (and, after the last epoch, end without final metrics). Each
      checkpoint records in ``meta['validated']`` whether its epoch's
      validation was done when it was written; a run resumed from one that
      was not validates first, as the uninterrupted run did (once more, if
      the validation happened but found no new best, so that the
      checkpoint was not written again);
    - each checkpoint records a digest of every tensor it holds in
      ``meta['tensor_digest']``, which loading checks (a file damaged or
      edited after it was written is refused, naming it). The hook's
      priority (``VERY_LOW``) makes it the last to see the checkpoint
      before it is written, after hooks that change it.

    Use it as ``default_hooks = dict(checkpoint=dict(type='SafeCheckpointHook',
    ...))``; ``tools/train.py`` puts it in place of ``CheckpointHook``.

    Args:
        **kwargs: Arguments of :class:`mmengine.hooks.CheckpointHook`.
    """

    _last_validated = None
    _training = False

    def after_val_epoch(self, runner, metrics):
        """Save the best checkpoint; remember the epoch is validated."""
        if self._training:
            self._last_validated = runner.epoch
        super().after_val_epoch(runner, metrics)

    def after_train(self, runner) -> None:
        self._training = False
        super().after_train(runner)

    def _save_best_checkpoint(self, runner, metrics) -> None:
        """As ``CheckpointHook``'s, removing old files after the new ones
        are written."""
        backend, deferred = self.file_backend, []
        remove = backend.remove
        backend.remove = deferred.append  # shadows the method meanwhile
        try:
            super()._save_best_checkpoint(runner, metrics)
        finally:
            del backend.remove
        for path in deferred:
            remove(path)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.setdefault('meta', {})
        meta['validated'] = meta.get('epoch') == self._last_validated
        if is_main_process():  # the process that writes the file
            add_digest(checkpoint)

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        meta = checkpoint.get('meta', {})
        self._validate_first = False
        if not is_resuming(runner) or \
                meta.get('validated', True) or not self.by_epoch:
            return
        loop, epoch = runner.train_loop, meta.get('epoch', 0)
        self._validate_first = (
            runner.val_loop is not None and epoch >= loop.val_begin and
            (epoch % loop.val_interval == 0 or epoch == loop.max_epochs))

    def before_train(self, runner) -> None:
        """Set up saving; validate a resumed epoch that was not yet."""
        self._training = True
        self._prepare_saving(runner)
        if getattr(self, '_validate_first', False):
            self._validate_first = False
            runner.logger.info(
                f'The checkpoint of epoch {runner.epoch} was written before '
                'that epoch\'s validation; validating it now.')
            runner.val_loop.run()

    def before_run(self, runner) -> None:
        """Pick the newest readable checkpoint for an auto resume."""
        if not is_resuming(runner) or checkpoint_to_load(runner) is not None:
            return
        found = find_resumable_checkpoint(runner.work_dir)
        if found is None:
            runner.logger.warning(
                f'resume=True, but there is no readable checkpoint to resume '
                f'from in {runner.work_dir!r}; training starts from scratch.')
        else:
            set_checkpoint_to_load(runner, found)

    def _prepare_saving(self, runner) -> None:
        """Choose the atomic backend and remove leftover temporary files."""
        out_dir = self.out_dir or runner.work_dir
        if (self.backend_args is None and self.file_client_args is None
                and '://' not in str(out_dir)):
            self.backend_args = dict(backend='atomic_local')
        super().before_train(runner)
        if not is_main_process():
            return
        for folder in dict.fromkeys([runner.work_dir, str(self.out_dir)]):
            for path in find_partial_files(folder):
                runner.logger.warning(
                    f'Removing {path!r}, an incomplete checkpoint write of an '
                    'earlier run that was stopped while saving.')
                os.remove(path)

    def _save_checkpoint_with_step(self, runner, step, meta):
        """As ``CheckpointHook``'s, with an atomic ``last_checkpoint``."""
        if self.max_keep_ckpts > 0 and not (self.keep_ckpt_ids and
                                            self.keep_ckpt_ids[-1] == step):
            if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                old = self.keep_ckpt_ids.popleft()
                if is_main_process():
                    old_path = self.file_backend.join_path(
                        self.out_dir, self.filename_tmpl.format(old))
                    if self.file_backend.isfile(old_path):
                        self.file_backend.remove(old_path)
                    elif self.file_backend.isdir(old_path):
                        self.file_backend.rmtree(old_path)
            self.keep_ckpt_ids.append(step)
            runner.message_hub.update_info('keep_ckpt_ids',
                                           list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if is_main_process():
            pointer = osp.join(runner.work_dir, 'last_checkpoint')
            write_atomically(pointer,
                             lambda f: f.write(str(self.last_ckpt).encode()))
