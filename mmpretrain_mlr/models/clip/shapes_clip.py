"""The shapes CLIP: pretrained by this project once, cached, found by name.

``build_open_clip(pretrained='shapes')`` calls :func:`shapes_clip_file`,
which returns the cached open_clip state dict of the recipe
``configs/demo/shapes_clip_pretrain.py`` and, when it is absent, builds it
by running that recipe (an mmengine run, in a child process) once. The file
name holds a hash of the recipe (the config fields that shape the weights
and the source of the code it trains with), so a changed recipe builds a
new file. Concurrent
processes (the ranks of a distributed run, two runs at once) take a file
lock: one builds, the others wait and then read the finished file, which
appears by an atomic rename only when complete.

Run as ``python -m mmpretrain_mlr.models.clip.shapes_clip`` it builds (or
finds) the file and prints its path.
"""
import contextlib
import fcntl
import hashlib
import json
import os
import os.path as osp
import shutil
import subprocess
import sys
import tempfile
import time
from typing import Optional

from mmengine.logging import print_log

from ...utils.package_files import package_files_root

PACKAGE_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# in the checkout's configs/, or the installed package's .mim/configs/
RECIPE = osp.join(package_files_root() or osp.dirname(PACKAGE_ROOT),
                  'configs', 'demo', 'shapes_clip_pretrain.py')
# The code whose behaviour the recipe's result depends on, besides the
# config itself (package-relative paths).
RECIPE_SOURCES = (
    'datasets/shapes.py',
    'datasets/shapes_captions.py',
    'models/pretrainers/contrastive_clip.py',
    'models/losses/info_nce.py',
    'engine/hooks/export_open_clip.py',
)
# The config fields that decide the result of the recipe.
RECIPE_FIELDS = ('model', 'train_dataloader', 'optim_wrapper',
                 'param_scheduler', 'train_cfg', 'randomness', 'custom_hooks')
# Variables of a launcher (torchrun, slurm) the child run must not inherit:
# it is one plain process whatever its parent is.
_LAUNCHER_VARS = ('RANK', 'WORLD_SIZE', 'LOCAL_RANK', 'LOCAL_WORLD_SIZE',
                  'GROUP_RANK', 'ROLE_RANK', 'MASTER_ADDR', 'MASTER_PORT',
                  'TORCHELASTIC_RUN_ID', 'SLURM_PROCID', 'SLURM_NTASKS')


def default_cache_dir() -> str:
    """``$MMPRETRAIN_MLR_CACHE``, else ``$XDG_CACHE_HOME/mmpretrain_mlr``,
    else ``~/.cache/mmpretrain_mlr``."""
    if os.environ.get('MMPRETRAIN_MLR_CACHE'):
        return os.environ['MMPRETRAIN_MLR_CACHE']
    base = os.environ.get('XDG_CACHE_HOME') or osp.join(
        osp.expanduser('~'), '.cache')
    return osp.join(base, 'mmpretrain_mlr')


def load_recipe(recipe: Optional[str] = None,
                cfg_options: Optional[dict] = None):
    """The pretraining config, with ``cfg_options`` merged in.

    Args:
        recipe (str, optional): Config file. Defaults to :data:`RECIPE`.
        cfg_options (dict, optional): Overrides, as ``--cfg-options``
            (``{'train_cfg.max_epochs': 1}``).

    Returns:
        mmengine.Config: The resolved config.
    """
    from mmengine.config import Config

    recipe = recipe or RECIPE
    if not osp.isfile(recipe):
        raise FileNotFoundError(
            f"clip.pretrained='shapes': the pretraining recipe {recipe} is "
            'missing; it ships with the package (configs/demo/'
            'shapes_clip_pretrain.py in a checkout, mmpretrain_mlr/.mim/'
            'configs/ when installed from a wheel or with pip install .)')
    cfg = Config.fromfile(recipe)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    return cfg


def recipe_key(cfg) -> str:
    """16 hex digits of a SHA-256 over the parts of the config that shape
    the weights (:data:`RECIPE_FIELDS`) and :data:`RECIPE_SOURCES`; logging
    and checkpoint settings are left out."""
    digest = hashlib.sha256()
    fields = {key: cfg.get(key) for key in RECIPE_FIELDS}
    digest.update(json.dumps(fields, sort_keys=True, default=repr).encode())
    for name in RECIPE_SOURCES:
        with open(osp.join(PACKAGE_ROOT, name), 'rb') as f:
            digest.update(name.encode() + b'\0' + f.read())
    return digest.hexdigest()[:16]


def recipe_arch(cfg) -> dict:
    """The ``arch`` the recipe pretrains (``model.clip.arch``)."""
    return cfg.model.clip.arch.to_dict()


@contextlib.contextmanager
def _exclusive_lock(path: str):
    """Hold an exclusive ``flock`` on ``path`` (released on exit, and by
    the system if the process dies)."""
    with open(path, 'a') as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print_log(f'Waiting for another process to build the shapes CLIP '
                      f'(lock {path}) ...', logger='current')
            fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _child_env() -> dict:
    env = {k: v for k, v in os.environ.items() if k not in _LAUNCHER_VARS}
    if 'TORCHELASTIC_RUN_ID' in os.environ:
        # torchrun sets one thread per worker; the build is a single process
        # while the workers wait, so it gets the machine's default.
        env.pop('OMP_NUM_THREADS', None)
    return env


def _build(cfg_file: str, path: str) -> None:
    """Run the pretraining config ``cfg_file`` in a child process and move
    its export to ``path``."""
    folder = osp.dirname(path)
    work_dir = tempfile.mkdtemp(prefix='.build-', dir=folder)
    cmd = [sys.executable, '-m', 'mmpretrain_mlr.models.clip.shapes_clip',
           '--run', cfg_file, work_dir]
    print_log(
        f'Building the shapes CLIP (pretraining {cfg_file}); this happens '
        f'once, then {path} is reused ...', logger='current')
    start = time.time()
    result = subprocess.run(cmd, env=_child_env())
    export = osp.join(work_dir, 'open_clip.pth')
    if result.returncode != 0 or not osp.isfile(export):
        raise RuntimeError(
            f'building the shapes CLIP failed (exit status '
            f'{result.returncode}); the run log is in {work_dir}')
    os.replace(export, path)
    log_dir = path[:-len('.pth')] + '.build'
    shutil.rmtree(log_dir, ignore_errors=True)
    os.replace(work_dir, log_dir)
    print_log(f'Built the shapes CLIP in {time.time() - start:.0f} s: {path} '
              f'(run log in {log_dir})', logger='current')


def shapes_clip_file(cache_dir: Optional[str] = None,
                     recipe: Optional[str] = None,
                     cfg_options: Optional[dict] = None) -> str:
    """Path of the shapes CLIP's open_clip state dict, built if absent.

    Args:
        cache_dir (str, optional): Where the file lives. Defaults to
            :func:`default_cache_dir`.
        recipe (str, optional): The pretraining config. Defaults to
            :data:`RECIPE`.
        cfg_options (dict, optional): Overrides of the recipe (part of the
            cache key), e.g. a tiny budget in tests.

    Returns:
        str: ``<cache_dir>/shapes_clip-<key>.pth``.
    """
    cfg = load_recipe(recipe, cfg_options)
    folder = osp.abspath(osp.expanduser(cache_dir or default_cache_dir()))
    path = osp.join(folder, f'shapes_clip-{recipe_key(cfg)}.pth')
    if osp.isfile(path):
        return path
    os.makedirs(folder, exist_ok=True)
    with _exclusive_lock(path + '.lock'):
        if osp.isfile(path):  # built while this process waited
            return path
        cfg_file = path[:-len('.pth')] + '.recipe.py'
        cfg.dump(cfg_file)
        _build(cfg_file, path)
    return path


def _run(cfg_file: str, work_dir: str) -> None:
    """Train ``cfg_file`` into ``work_dir`` with mmengine's Runner."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    cfg = Config.fromfile(cfg_file)
    cfg.work_dir = work_dir
    cfg.launcher = 'none'
    Runner.from_cfg(cfg).train()


if __name__ == '__main__':
    if sys.argv[1:2] == ['--run']:
        _run(*sys.argv[2:4])
    else:
        print(shapes_clip_file())
