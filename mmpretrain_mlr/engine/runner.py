"""The Runner every config of this package selects (``runner_type``)."""
import copy
import logging
from typing import Optional

from mmengine.device import get_device
from mmengine.logging import print_log
from mmengine.runner import Runner
from mmpretrain.registry import RUNNERS

from ..evaluation.class_thresholds import (check_not_fitted_on,
                                           load_class_thresholds)
from ..utils.config_text import FormatOnceConfig
from ..utils.cfg_options import follow_config_data_root
from ..utils.cpu_distributed import prepare_cpu_distributed
from ..utils.reliability_hooks import add_reliability_hooks
from ..utils.resume_checkpoint import find_resumable_checkpoint
from ..utils.work_dirs import resolve_work_dir

DATALOADERS = ('train_dataloader', 'val_dataloader', 'test_dataloader')
# AmpOptimWrapper's own arguments, which OptimWrapper does not take
AMP_ONLY_ARGS = ('loss_scale', 'dtype', 'use_fsdp')


def fall_back_from_amp(cfg) -> bool:
    """Turn an ``AmpOptimWrapper`` into a float32 ``OptimWrapper`` on a
    machine without an accelerator, with a warning; in place.

    mmengine's ``AmpOptimWrapper`` refuses to be built without CUDA, NPU,
    MLU or MUSA, so ``--amp`` (of this package's tools, mmpretrain's and
    ``mim train``) would end a CPU run before its first step.

    Args:
        cfg (mmengine.Config): The run's config.

    Returns:
        bool: True if the wrapper was replaced.
    """
    wrapper = cfg.get('optim_wrapper')
    if wrapper is None or get_device() != 'cpu' or \
            wrapper.get('type') not in ('AmpOptimWrapper',
                                        'mmengine.AmpOptimWrapper'):
        return False
    print_log(
        'optim_wrapper.type=AmpOptimWrapper (--amp) is ignored: mmengine\'s '
        'AmpOptimWrapper requires CUDA/NPU/MLU/MUSA and none is available; '
        'training in float32 with OptimWrapper.',
        logger='current', level=logging.WARNING)
    wrapper.type = 'OptimWrapper'
    for name in AMP_ONLY_ARGS:
        wrapper.pop(name, None)
    return True


def fit_dataloaders_to_device(cfg) -> None:
    """Drop dataloader options torch rejects or ignores here; in place.

    ``persistent_workers=True`` with ``num_workers=0`` is an error in
    ``torch.utils.data.DataLoader`` (mmpretrain's ``tools/train.py`` sets
    it for every loader); ``pin_memory`` without an accelerator only warns.

    Args:
        cfg (mmengine.Config): The run's config.
    """
    for field in DATALOADERS:
        loader = cfg.get(field)
        if loader is None:
            continue
        if not loader.get('num_workers', 0):
            loader.persistent_workers = False
        if get_device() == 'cpu':
            loader.pin_memory = False


def check_threshold_splits(cfg) -> None:
    """Refuse per-class thresholds (a metric's ``class_thresholds`` file)
    on the split they were fitted on; in every evaluator of ``cfg``.

    Args:
        cfg (mmengine.Config): The run's config.

    Raises:
        ValueError: Naming the file and the split.
    """
    for loop in ('val', 'test'):
        evaluator = cfg.get(f'{loop}_evaluator')
        loader = cfg.get(f'{loop}_dataloader')
        if evaluator is None or loader is None:
            continue
        metrics = evaluator if isinstance(evaluator, (list, tuple)) else \
            evaluator.get('metrics', [evaluator])
        for metric in metrics if isinstance(metrics, (list, tuple)) \
                else [metrics]:
            path = metric.get('class_thresholds') if hasattr(
                metric, 'get') else None
            if isinstance(path, str):
                check_not_fitted_on(load_class_thresholds(path),
                                    loader.get('dataset', {}),
                                    f'{loop}_dataloader')


def is_resuming(runner) -> bool:
    """Whether ``runner`` resumes training (``resume=True``).

    :attr:`PortableRunner.resuming` on this package's runner; on another
    mmengine Runner (``Runner.from_cfg`` in a notebook) the value it was
    built with. Hooks ask here rather than reading the Runner's private
    attributes.
    """
    if isinstance(runner, PortableRunner):
        return runner.resuming
    return bool(getattr(runner, '_resume', False))


def checkpoint_to_load(runner) -> Optional[str]:
    """The checkpoint ``runner`` loads or resumes from (``load_from``, or
    the one the auto resume chose), or None.

    :attr:`PortableRunner.load_from` on this package's runner; on another
    mmengine Runner the value it was built with.
    """
    if isinstance(runner, PortableRunner):
        return runner.load_from
    return getattr(runner, '_load_from', None)


def set_checkpoint_to_load(runner, path: Optional[str]) -> None:
    """Make ``runner`` load (or resume from) ``path``, before it does.

    Args:
        runner (mmengine.runner.Runner): The runner.
        path (str, optional): Checkpoint path.
    """
    if isinstance(runner, PortableRunner):
        runner.load_from = path
    else:
        runner._load_from = path


@RUNNERS.register_module()
class PortableRunner(Runner):
    """mmengine's Runner with this package's guarantees, whatever started
    it, also on machines without an accelerator.

    ``configs/_base_/default_runtime.py`` selects it
    (``runner_type = 'mmpretrain.PortableRunner'``), so every entry point
    that honours ``runner_type`` builds it: this package's
    ``tools/train.py`` and ``tools/test.py``, ``mim train`` / ``mim test``,
    mmpretrain's own ``tools/train.py`` / ``tools/test.py`` and
    ``RUNNERS.build(cfg)``. Before the Runner is built from a config it

    - puts the work directory, when the config leaves it to the entry
      point, in ``work_dirs/<config folder>/<config name>``
      (:func:`~mmpretrain_mlr.utils.work_dirs.resolve_work_dir`), so that
      ``configs/dualcoop/coco.py`` and ``configs/trm_ml/coco.py`` do not
      share one;
    - points every field that holds the config file's ``data_root`` (or a
      path under it) at the config's current ``data_root``, so that
      ``--cfg-options data_root=DIR`` moves every dataloader
      (:func:`~mmpretrain_mlr.utils.cfg_options.follow_config_data_root`);
    - refuses per-class thresholds fitted on the split a metric evaluates
      (:func:`check_threshold_splits`);
    - adds the reliability hooks the config lacks (crash-safe checkpoints,
      exact resume, divergence guard, strict checkpoint loading,
      label-coverage check, stalled-rank report;
      :func:`~mmpretrain_mlr.utils.reliability_hooks.add_reliability_hooks`);
    - sets up multi-process runs on CPU (gloo process group, DDP without
      device ids; :func:`~mmpretrain_mlr.utils.prepare_cpu_distributed`),
      so ``--launcher pytorch`` / ``slurm`` / ``mpi`` work without GPUs;
    - on a CPU-only machine replaces ``AmpOptimWrapper`` (``--amp``) by a
      float32 ``OptimWrapper``, with a warning
      (:func:`fall_back_from_amp`);
    - drops dataloader options torch rejects there
      (:func:`fit_dataloaders_to_device`);
    - formats the config's text once (:class:`FormatOnceConfig`), not at
      every checkpoint.

    An auto resume (``resume=True`` without ``load_from``) starts from the
    newest *readable* checkpoint of the work directory, skipping damaged
    ones with a warning (:meth:`load_or_resume`).

    ``Runner.from_cfg(cfg)`` (mmengine's own class) does not go through
    this class; with the default runtime it still gets the same hooks,
    which the runtime lists among its ``default_hooks``, but needs
    ``cfg.work_dir`` set by hand.

    Args:
        Those of :class:`mmengine.runner.Runner`.
    """

    @classmethod
    def from_cfg(cls, cfg) -> 'PortableRunner':
        """Build the runner from a config (not modified)."""
        cfg = copy.deepcopy(cfg)
        resolve_work_dir(cfg)
        follow_config_data_root(cfg)
        add_reliability_hooks(cfg)
        check_threshold_splits(cfg)
        prepare_cpu_distributed(cfg, cfg.get('launcher', 'none'))
        fall_back_from_amp(cfg)
        fit_dataloaders_to_device(cfg)
        return super().from_cfg(FormatOnceConfig.of(cfg))

    @property
    def resuming(self) -> bool:
        """bool: Whether this run resumes training (``resume=True``)."""
        return bool(self._resume)

    @property
    def load_from(self) -> Optional[str]:
        """str | None: The checkpoint this run loads or resumes from; for
        an auto resume, the one :meth:`load_or_resume` chose (None until
        then)."""
        return self._load_from

    @load_from.setter
    def load_from(self, path: Optional[str]) -> None:
        self._load_from = path

    def select_resume_checkpoint(self) -> Optional[str]:
        """For an auto resume, choose the newest readable checkpoint of the
        work directory and make it :attr:`load_from`.

        Unreadable newer ones are skipped with a warning naming them; with
        none at all, training starts from scratch with a warning.

        Returns:
            str | None: The checkpoint chosen, or None.
        """
        if not self.resuming or self.load_from is not None:
            return self.load_from
        found = find_resumable_checkpoint(self.work_dir)
        if found is None:
            self.logger.warning(
                f'resume=True, but there is no readable checkpoint to resume '
                f'from in {self.work_dir!r}; training starts from scratch.')
            self._resume = False
        else:
            self.load_from = found
        return found

    def load_or_resume(self) -> None:
        """Load or resume, an auto resume from the newest readable
        checkpoint (:meth:`select_resume_checkpoint`)."""
        if not self._has_loaded:
            self.select_resume_checkpoint()
        super().load_or_resume()
