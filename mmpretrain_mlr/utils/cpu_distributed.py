"""Multi-process training and testing on machines without an accelerator.

mmengine's launchers assume CUDA: ``init_dist`` calls
``torch.cuda.set_device``, the default ``dist_cfg`` backend is ``nccl``, and
``Runner.wrap_model`` passes ``device_ids=[LOCAL_RANK]`` to
``MMDistributedDataParallel``. :func:`prepare_cpu_distributed` sets up the
CPU equivalent (gloo process group, DDP without ``device_ids``) before the
Runner is built. ``Runner.setup_env`` only calls ``init_dist`` when no process
group exists yet, so it keeps the group made here.
"""
import datetime
import os
import subprocess

import torch.distributed as torch_dist
from mmengine.device import get_device
from mmengine.dist import is_distributed
from mmengine.registry import MODEL_WRAPPERS
from torch.nn.parallel import DistributedDataParallel

# launcher -> environment variables holding (rank, world size, local rank)
_RANK_ENV = {
    'pytorch': ('RANK', 'WORLD_SIZE', 'LOCAL_RANK'),
    'slurm': ('SLURM_PROCID', 'SLURM_NTASKS', 'SLURM_LOCALID'),
    'mpi': ('OMPI_COMM_WORLD_RANK', 'OMPI_COMM_WORLD_SIZE',
            'OMPI_COMM_WORLD_LOCAL_RANK'),
}
DEFAULT_MASTER_PORT = '29500'
# Collective timeout of CPU (gloo) jobs unless `env_cfg.dist_cfg.timeout`
# says otherwise: long enough for a validation pass or a checkpoint write
# on one rank while the others wait, far below torch's 30 minutes.
DEFAULT_CPU_TIMEOUT = 600


def _read_rank_env(launcher):
    """Return ``(rank, world_size, local_rank)`` from the launcher's env."""
    if launcher not in _RANK_ENV:
        raise ValueError(f'launcher={launcher!r} is not supported; expected '
                         f"'none' or one of {sorted(_RANK_ENV)}.")
    names = _RANK_ENV[launcher]
    missing = [name for name in names if name not in os.environ]
    if missing:
        raise KeyError(
            f'launcher={launcher!r} expects the environment variables '
            f'{list(names)} (set by torchrun / srun / mpirun), but {missing} '
            'are not set. Start multi-process jobs with tools/dist_train.sh, '
            'tools/slurm_train.sh, or use --launcher none.')
    return tuple(int(os.environ[name]) for name in names)


def _set_master_address(launcher):
    """Make sure ``MASTER_ADDR`` / ``MASTER_PORT`` are set for env://."""
    os.environ.setdefault('MASTER_PORT', DEFAULT_MASTER_PORT)
    if 'MASTER_ADDR' in os.environ:
        return
    if launcher == 'slurm':
        # The first host of the job, as mmengine's slurm launcher does.
        nodes = os.environ['SLURM_NODELIST']
        hosts = subprocess.getoutput(f'scontrol show hostname {nodes}')
        os.environ['MASTER_ADDR'] = hosts.split()[0]
    elif launcher == 'mpi':
        raise KeyError("launcher='mpi' needs MASTER_ADDR set to the address "
                       'of rank 0.')
    else:
        os.environ['MASTER_ADDR'] = '127.0.0.1'


def init_gloo_process_group(launcher, timeout=None):
    """Initialise the default process group with the gloo backend.

    Args:
        launcher (str): ``'pytorch'``, ``'slurm'`` or ``'mpi'``; decides which
            environment variables give rank, world size and local rank.
        timeout (float, optional): Collective timeout in seconds.

    Returns:
        tuple[int, int]: ``(rank, world_size)``.
    """
    rank, world_size, local_rank = _read_rank_env(launcher)
    # mmengine and the Runner read these torchrun names.
    os.environ.update(RANK=str(rank), WORLD_SIZE=str(world_size),
                      LOCAL_RANK=str(local_rank))
    _set_master_address(launcher)
    kwargs = {}
    if timeout is not None:
        kwargs['timeout'] = datetime.timedelta(seconds=timeout)
    torch_dist.init_process_group(
        backend='gloo', init_method='env://', rank=rank,
        world_size=world_size, **kwargs)
    return rank, world_size


def _is_ddp_wrapper(wrapper_cfg):
    """Whether ``wrapper_cfg`` builds a DistributedDataParallel subclass."""
    wrapper_type = wrapper_cfg.get('type', 'MMDistributedDataParallel')
    if isinstance(wrapper_type, str):
        wrapper_type = MODEL_WRAPPERS.get(wrapper_type)
    return isinstance(wrapper_type, type) and issubclass(
        wrapper_type, DistributedDataParallel)


def prepare_cpu_distributed(cfg, launcher):
    """Adapt a config for multi-process runs without an accelerator.

    Does nothing when ``launcher == 'none'`` or when mmengine finds an
    accelerator (CUDA, NPU, MLU, MUSA, MPS): mmengine's own path applies.
    Otherwise it

    - sets ``cfg.env_cfg.dist_cfg.backend = 'gloo'`` and, unless set,
      ``cfg.env_cfg.dist_cfg.timeout = DEFAULT_CPU_TIMEOUT`` (600 s): the
      seconds a collective waits for a stopped or dead process before the
      job fails;
    - initialises the gloo process group from the launcher's environment
      variables, unless a process group already exists;
    - sets ``cfg.model_wrapper_cfg`` to ``MMDistributedDataParallel`` with
      ``device_ids=None`` if the config has none, or adds ``device_ids=None``
      to a DDP-type wrapper the config names (the Runner would otherwise
      pass ``device_ids=[LOCAL_RANK]``, which DDP rejects for CPU modules).

    Args:
        cfg (mmengine.Config): The config the Runner will be built from;
            modified in place.
        launcher (str): ``'none'``, ``'pytorch'``, ``'slurm'`` or ``'mpi'``.

    Returns:
        bool: True if the CPU path was applied.
    """
    if launcher == 'none' or get_device() != 'cpu':
        return False
    # (Config.setdefault would return a detached copy of a new dict.)
    if cfg.get('env_cfg') is None:
        cfg.env_cfg = dict()
    if cfg.env_cfg.get('dist_cfg') is None:
        cfg.env_cfg.dist_cfg = dict()
    cfg.env_cfg.dist_cfg.backend = 'gloo'
    timeout = cfg.env_cfg.dist_cfg.get('timeout')
    if timeout is None:
        timeout = cfg.env_cfg.dist_cfg.timeout = DEFAULT_CPU_TIMEOUT
    elif not isinstance(timeout, (int, float)) or timeout <= 0:
        raise ValueError(f'env_cfg.dist_cfg.timeout={timeout!r}: expected '
                         'the collective timeout in seconds (> 0)')
    if not is_distributed():
        init_gloo_process_group(launcher, timeout=timeout)

    wrapper_cfg = cfg.get('model_wrapper_cfg')
    if wrapper_cfg is None:
        cfg.model_wrapper_cfg = dict(
            type='MMDistributedDataParallel',
            broadcast_buffers=False,
            find_unused_parameters=cfg.get('find_unused_parameters', False),
            device_ids=None)
    elif _is_ddp_wrapper(wrapper_cfg):
        wrapper_cfg.setdefault('device_ids', None)
    return True
