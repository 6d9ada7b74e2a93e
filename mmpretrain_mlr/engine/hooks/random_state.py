"""Save and restore the random state training draws from."""
from typing import List, Optional

from mmengine.dist import all_gather_object, get_rank, get_world_size
from mmengine.hooks import Hook
from mmpretrain.registry import HOOKS

from ...utils.rng_state import get_rng_state, set_rng_state
from ..runner import is_resuming

META_KEY = 'random_state'


def _train_sampler(runner):
    """The train dataloader's sampler (or its batch sampler's), if seeded."""
    loader = runner.train_loop.dataloader
    for sampler in (getattr(loader, 'sampler', None),
                    getattr(getattr(loader, 'batch_sampler', None),
                            'sampler', None)):
        if hasattr(sampler, 'seed'):
            return sampler
    return None


@HOOKS.register_module()
class RandomStateHook(Hook):
    """Make a resumed run draw the same random numbers as an uninterrupted
    one.

    mmengine checkpoints hold the model, optimizer, schedulers and message
    hub, but not the generators that augmentation (mmpretrain's transforms
    draw from numpy's global generator), dropout and sampling use. This hook

    - takes a snapshot of every rank's Python, numpy and torch generators
      (and the train sampler's seed) at the end of each training epoch,
      before the epoch's checkpoint is written, and stores it in
      ``checkpoint['meta']['random_state']`` as a list indexed by rank
      (tensors and plain lists, so the file still loads with
      ``torch.load(weights_only=True)``);
    - restores the snapshot at the start of the next training epoch, in the
      uninterrupted run and in a run resumed from the checkpoint alike, so
      whatever validation or other hooks draw in between changes nothing.

    With iteration-based saving the state at the moment of saving is stored
    and restored when training starts.

    Dataloader workers are seeded by mmengine from the run's seed when they
    start. With ``persistent_workers=True`` their generators carry over
    from epoch to epoch and live in the worker processes, out of any
    checkpoint's reach: exact resume then needs ``persistent_workers=False``
    (or ``num_workers=0``); a resumed run with persistent workers warns.

    Args:
        restore_on_load_from (bool): Also restore the generators from a
            checkpoint given as ``load_from`` (fine-tuning) rather than
            resumed. Defaults to False.
    """
    priority = 'HIGH'  # before CheckpointHook writes the epoch's checkpoint

    def __init__(self, restore_on_load_from: bool = False) -> None:
        self.restore_on_load_from = restore_on_load_from
        self._snapshot: Optional[List[dict]] = None
        self._snapshot_iter: Optional[int] = None

    def _take(self, runner) -> List[dict]:
        """All ranks' generator states (a collective call)."""
        state = dict(generators=get_rng_state())
        sampler = _train_sampler(runner)
        if sampler is not None:
            state['sampler_seed'] = int(sampler.seed)
        return all_gather_object(state)

    def after_train_epoch(self, runner) -> None:
        self._snapshot = self._take(runner)
        self._snapshot_iter = runner.iter

    def before_train_epoch(self, runner) -> None:
        if self._snapshot is None:
            return
        state = self._snapshot[min(get_rank(), len(self._snapshot) - 1)]
        set_rng_state(state['generators'])
        sampler = _train_sampler(runner)
        if sampler is not None and 'sampler_seed' in state:
            sampler.seed = state['sampler_seed']

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        # The epoch-end snapshot if it is of this iteration; otherwise
        # (iteration-based saving) the state now. Checkpoints are saved on
        # rank 0 only, so the latter holds rank 0's state alone.
        snapshot = self._snapshot
        if snapshot is None or self._snapshot_iter != runner.iter:
            snapshot = [dict(generators=get_rng_state())]
        checkpoint.setdefault('meta', {})[META_KEY] = snapshot

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        saved = checkpoint.get('meta', {}).get(META_KEY)
        if saved is None or not (is_resuming(runner)
                                 or self.restore_on_load_from):
            return
        if len(saved) != get_world_size():
            runner.logger.warning(
                f'RandomStateHook: the checkpoint holds the random state of '
                f'{len(saved)} process(es), this run has {get_world_size()}; '
                'random draws will differ from an uninterrupted run.')
        loader_cfg = runner.cfg.get('train_dataloader') or {}
        if loader_cfg.get('num_workers', 0) and \
                loader_cfg.get('persistent_workers', False):
            runner.logger.warning(
                'RandomStateHook: train_dataloader.persistent_workers=True; '
                'the workers\' generators are not in the checkpoint, so '
                'augmentation after resuming differs from an uninterrupted '
                'run. Set persistent_workers=False for an exact resume.')
        self._snapshot = saved
        self._snapshot_iter = None
