"""prepare_cpu_distributed: in-process checks of each branch (the device
mmengine finds is set by the ``cpu_env`` fixture). Real 2-process torchrun
jobs with the GPUs hidden: ``tools/test_launch_scripts.py``
(``dist_train.sh`` / ``dist_test.sh``) and ``engine/test_runner.py``
(mmpretrain's own train tool)."""

import pytest
import torch.distributed as dist
from mmengine.config import Config

from mmpretrain_mlr.utils import cpu_distributed
from mmpretrain_mlr.utils.cpu_distributed import prepare_cpu_distributed

RANK_VARIABLES = ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'MASTER_ADDR',
                  'MASTER_PORT', 'SLURM_PROCID', 'SLURM_NTASKS',
                  'SLURM_LOCALID')


def make_cfg(**fields):
    return Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl')), **fields))


@pytest.fixture
def cpu_env(monkeypatch, free_port):
    """A CPU-only machine with an empty launcher environment; tears down any
    process group a test creates."""
    monkeypatch.setattr(cpu_distributed, 'get_device', lambda: 'cpu')
    for name in RANK_VARIABLES:  # restored afterwards, even if code sets them
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv('MASTER_ADDR', '127.0.0.1')
    monkeypatch.setenv('MASTER_PORT', str(free_port))
    yield monkeypatch
    if dist.is_initialized():
        dist.destroy_process_group()


def test_launcher_none_leaves_config_alone(cpu_env):
    cfg = make_cfg()
    assert not prepare_cpu_distributed(cfg, 'none')
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg
    assert not dist.is_initialized()


def test_accelerator_keeps_mmengine_path(cpu_env):
    cpu_env.setattr(cpu_distributed, 'get_device', lambda: 'cuda')
    cfg = make_cfg()
    assert not prepare_cpu_distributed(cfg, 'pytorch')
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'
    assert 'model_wrapper_cfg' not in cfg


def test_pytorch_launcher_on_cpu_uses_gloo_and_ddp_without_devices(cpu_env):
    for name, value in dict(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0').items():
        cpu_env.setenv(name, value)
    cfg = make_cfg(find_unused_parameters=True)
    assert prepare_cpu_distributed(cfg, 'pytorch')
    assert dist.is_initialized()
    assert dist.get_backend() == 'gloo' and dist.get_world_size() == 1
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'
    assert cfg.model_wrapper_cfg == dict(
        type='MMDistributedDataParallel', broadcast_buffers=False,
        find_unused_parameters=True, device_ids=None)
    # A second call keeps the existing group, as Runner.setup_env does; a
    # config without env_cfg gets one.
    bare = Config(dict())
    assert prepare_cpu_distributed(bare, 'pytorch')
    assert bare.env_cfg.dist_cfg.backend == 'gloo'


def test_ddp_wrapper_named_in_config_gets_no_device_ids(cpu_env):
    for name, value in dict(RANK='0', WORLD_SIZE='1', LOCAL_RANK='0').items():
        cpu_env.setenv(name, value)
    cfg = make_cfg(model_wrapper_cfg=dict(
        type='MMDistributedDataParallel', find_unused_parameters=True))
    prepare_cpu_distributed(cfg, 'pytorch')
    assert cfg.model_wrapper_cfg.device_ids is None
    assert cfg.model_wrapper_cfg.find_unused_parameters


def test_slurm_variables_are_translated(cpu_env):
    for name, value in dict(SLURM_PROCID='0', SLURM_NTASKS='1',
                            SLURM_LOCALID='0').items():
        cpu_env.setenv(name, value)
    assert prepare_cpu_distributed(make_cfg(), 'slurm')
    assert dist.get_rank() == 0 and dist.get_world_size() == 1


def test_missing_launcher_variables_are_named(cpu_env):
    with pytest.raises(KeyError, match="'RANK', 'WORLD_SIZE', 'LOCAL_RANK'"):
        prepare_cpu_distributed(make_cfg(), 'pytorch')
