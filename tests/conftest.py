"""Shared fixtures: a tiny self-contained training config and one run of it.

The config (LeNet5 on 16 generated 32x32 grey images, 2 classes, 2 epochs,
4 iterations per epoch) trains in about a second, so tests of the tools,
checkpointing and resuming pay mostly for process start-up.

Also the layout of a parallel run (``pytest -n 2 --dist loadgroup``, see
``tests/README.md``): each worker's torch gets its share of the cores, and
the work units are test files, or all the tests of a shared session run.
"""
import os
import os.path as osp
import socket
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from tests.forkserver import run_script

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))

#: test files sharing a session run too costly to make once per xdist
#: worker (``demo_run``): one work unit, so one worker runs them
SHARED_RUNS = {'tests/configs/test_demo_config.py': 'demo_run',
               'tests/engine/test_frozen_weights_hook.py': 'demo_run'}
#: fixtures of the tests that start processes (tools, 2-process jobs)
STARTS_PROCESSES = {'run_tool', 'free_port'}

#: the DualCoOp shapes demo, trained once per session by ``demo_run``
DEMO_CONFIG = 'configs/demo/dualcoop_shapes.py'
#: ``--cfg-options`` of the shared demo run, besides its CLIP file. On a
#: random CLIP the demo's logit scale (100) saturates every sigmoid to 1.0,
#: which leaves the mAP to the order of tied scores; at 10 the scores rank.
DEMO_RUN_OPTIONS = [
    'train_dataloader.dataset.num_images=64',
    'val_dataloader.dataset.num_images=48',
    'test_dataloader.dataset.num_images=48', 'train_cfg.max_epochs=2',
    'param_scheduler.1.end=2', 'default_hooks.logger.interval=1',
    'model.head.logit_scale=10'
]

TINY_CONFIG = '''
default_scope = 'mmpretrain'
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        num_classes=2, mean=[127.5], std=[127.5], to_rgb=False),
    backbone=dict(type='LeNet5'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=2, in_channels=120,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))
_dataset = dict(
    type='CustomDataset', data_root={data_root!r},
    pipeline=[dict(type='LoadImageFromFile', color_type='grayscale'),
              dict(type='PackInputs')])
train_dataloader = dict(
    batch_size=4, num_workers=0, dataset=_dataset,
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=4, num_workers=0, dataset=_dataset,
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = [
    dict(type='Accuracy', topk=(1, )),
    dict(type='AveragePrecision')]
test_evaluator = val_evaluator
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
test_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
param_scheduler = dict(type='MultiStepLR', by_epoch=True, milestones=[1])
default_hooks = dict(
    checkpoint=dict(type='CheckpointHook', interval=1, save_best='auto'),
    logger=dict(type='LoggerHook', interval=1))
log_processor = dict(window_size=1)
randomness = dict(seed=0, deterministic=False)
env_cfg = dict(dist_cfg=dict(backend='nccl'))
'''


def pytest_configure(config):
    """Under xdist, give each worker's torch its share of the cores rather
    than all of them, so that the workers do not oversubscribe them."""
    workers = os.environ.get('PYTEST_XDIST_WORKER_COUNT')
    if workers:
        import torch
        torch.set_num_threads(max(1, (os.cpu_count() or 1) // int(workers)))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Work units of ``pytest -n 2``: test files (their module fixtures run
    once), the files of :data:`SHARED_RUNS` one unit, in collection order
    (see :func:`pytest_collection_modifyitems`)."""
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):

        def _split_scope(self, nodeid):
            path = nodeid.split('::')[0]
            return SHARED_RUNS.get(path, path)

    config.option.loadscopereorder = False
    return FileScheduling(config, log)


def pytest_collection_modifyitems(items):
    """Under xdist, the files whose tests start processes come first, so
    that the quick in-process tests fill the end and the workers finish
    together."""
    if os.environ.get('PYTEST_XDIST_WORKER'):
        heavy = {item.path for item in items
                 if STARTS_PROCESSES & set(item.fixturenames)}
        items.sort(key=lambda item: item.path not in heavy)


def _run_tool(*args, env=None, timeout=300, check=True):
    """Run a repository script as a fresh process would and capture its
    output.

    A ``.py`` script runs in a child of the forkserver of
    :mod:`tests.forkserver` (the package imported once, not per run), as
    ``python SCRIPT ARGS`` would; a ``.sh`` script runs under bash, its
    Python processes fresh ones. GPUs are hidden
    (``CUDA_VISIBLE_DEVICES=''``), so a run takes the CPU path on any
    machine.

    Args:
        *args (str | os.PathLike): Script path relative to the repository
            root, then its arguments.
        env (dict, optional): Extra environment variables.
        timeout (float): Seconds before the process is killed.
        check (bool): Fail the test, showing the output, on a non-zero exit.

    Returns:
        subprocess.CompletedProcess: With ``stdout`` and ``stderr`` as text.
    """
    script, *rest = args
    path, rest = osp.join(REPO_ROOT, script), [str(arg) for arg in rest]
    # CPU only, GPUs or not: multi-process runs take the gloo path
    full_env = dict(os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable,
                    CUDA_VISIBLE_DEVICES='')
    full_env.update(env or {})
    if script.endswith('.py'):
        proc = run_script(path, rest, full_env, REPO_ROOT, timeout)
    else:
        proc = subprocess.run(['bash', path, *rest], cwd=REPO_ROOT,
                              env=full_env, capture_output=True, text=True,
                              timeout=timeout)
    if check and proc.returncode != 0:
        pytest.fail(f'{script} exited with {proc.returncode}\n'
                    f'--- stdout\n{proc.stdout[-4000:]}\n'
                    f'--- stderr\n{proc.stderr[-4000:]}')
    return proc


@pytest.fixture(scope='session')
def run_tool():
    """``run_tool(script, *args, env=None, timeout=300, check=True)``."""
    return _run_tool


@pytest.fixture
def hidden_gpus(monkeypatch):
    """``CUDA_VISIBLE_DEVICES=''`` for the processes a test starts (spawned
    workers inherit it), so they run on the CPU on any machine."""
    monkeypatch.setenv('CUDA_VISIBLE_DEVICES', '')


def find_free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@pytest.fixture
def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    return find_free_port()


def write_tiny_images(folder, left_half_offset=0):
    """Eight noisy 32 x 32 grey images per class ('dark', 'bright') under
    ``folder``; ``left_half_offset`` brightens each image's left half, so
    that a horizontal flip changes it."""
    rng = np.random.default_rng(0)
    for name, level in (('dark', 120), ('bright', 136)):
        os.makedirs(folder / name)
        for i in range(8):
            pixels = level + rng.normal(0, 15) + rng.normal(0, 60, (32, 32))
            pixels[:, :16] += left_half_offset
            image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
            image.save(folder / name / f'{i}.png')


@pytest.fixture(scope='session')
def tiny_config(tmp_path_factory):
    """Path of a config file training LeNet5 on generated images."""
    root = tmp_path_factory.mktemp('tiny')
    write_tiny_images(root / 'data')
    path = root / 'tiny_lenet.py'
    path.write_text(TINY_CONFIG.format(data_root=str(root / 'data')))
    return path


@pytest.fixture(scope='session')
def trained(tiny_config, run_tool, tmp_path_factory):
    """Work directory of one full ``tools/train.py`` run of ``tiny_config``."""
    work_dir = tmp_path_factory.mktemp('trained')
    run_tool('tools/train.py', tiny_config, '--work-dir', work_dir)
    return work_dir


def write_random_clip(path, seed):
    """An open_clip state dict of the demo CLIP's architecture with random
    weights (seeded), saved at ``path``, as a real weights file would be."""
    import open_clip
    import torch
    from mmengine.config import Config
    torch.manual_seed(seed)
    arch = Config.fromfile(osp.join(REPO_ROOT, DEMO_CONFIG)).model.clip.arch
    torch.save(open_clip.CLIP(**arch.to_dict()).state_dict(), path)
    return str(path)


def demo_options(clip_file, *more):
    """``--cfg-options`` of the shared demo run (``more`` overrides)."""
    return ['--cfg-options', f'model.clip.pretrained={clip_file}',
            *DEMO_RUN_OPTIONS, *more]


@pytest.fixture(scope='session')
def demo_run(tmp_path_factory, run_tool):
    """One ``tools/train.py`` run of the DualCoOp shapes demo (64 training
    images, 2 epochs) on a CLIP file of random weights, shared by the tests
    that only read its outputs (checkpoints, scalars.json).

    Returns:
        SimpleNamespace: ``work_dir``, ``clip`` (the weights file) and
        ``options`` (its ``--cfg-options``, for tools/test.py and resumed
        runs).
    """
    root = tmp_path_factory.mktemp('demo_run')
    clip = write_random_clip(root / 'clip.pt', 0)
    work_dir = root / 'work_dir'
    run_tool('tools/train.py', DEMO_CONFIG, '--work-dir', work_dir,
             *demo_options(clip))
    return SimpleNamespace(work_dir=work_dir, clip=clip,
                           options=demo_options(clip))
