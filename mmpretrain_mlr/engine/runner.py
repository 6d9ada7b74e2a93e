"""The Runner every config of this package selects (``runner_type``)."""
import copy
import logging

from mmengine.device import get_device
from mmengine.logging import print_log
from mmengine.runner import Runner
from mmpretrain.registry import RUNNERS

from ..utils.cpu_distributed import prepare_cpu_distributed

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


@RUNNERS.register_module()
class PortableRunner(Runner):
    """mmengine's Runner, also on machines without an accelerator.

    ``configs/_base_/default_runtime.py`` selects it
    (``runner_type = 'mmpretrain.PortableRunner'``), so every entry point
    that honours ``runner_type`` gets it: this package's ``tools/train.py``
    and ``tools/test.py``, ``mim train`` / ``mim test``, and mmpretrain's
    own ``tools/train.py`` / ``tools/test.py``. Before the Runner is built
    from a config it

    - sets up multi-process runs on CPU (gloo process group, DDP without
      device ids; :func:`~mmpretrain_mlr.utils.prepare_cpu_distributed`),
      so ``--launcher pytorch`` / ``slurm`` / ``mpi`` work without GPUs;
    - on a CPU-only machine replaces ``AmpOptimWrapper`` (``--amp``) by a
      float32 ``OptimWrapper``, with a warning
      (:func:`fall_back_from_amp`);
    - drops dataloader options torch rejects there
      (:func:`fit_dataloaders_to_device`).

    With an accelerator and ``--launcher none`` it is mmengine's Runner.

    Args:
        Those of :class:`mmengine.runner.Runner`.
    """

    @classmethod
    def from_cfg(cls, cfg) -> 'PortableRunner':
        """Build the runner from a config (not modified)."""
        cfg = copy.deepcopy(cfg)
        prepare_cpu_distributed(cfg, cfg.get('launcher', 'none'))
        fall_back_from_amp(cfg)
        fit_dataloaders_to_device(cfg)
        return super().from_cfg(cfg)
