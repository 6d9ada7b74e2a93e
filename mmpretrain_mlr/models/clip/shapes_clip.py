"""The project's CLIPs: pretrained by this project, cached, found by name.

``build_open_clip(pretrained=NAME)`` with a name of :data:`PROJECT_CLIPS`
(``'shapes'``: the 64 px shapes demos' CLIP; ``'shapes-scenes'``: the
scenes demos' CLIP) calls :func:`project_clip_file`. Where the package
ships the weights of that name (``weights/<name>.pth``, built by the
recipe and checked against the SHA-256 beside it), those are used, so
every machine runs the demos on the same bits. Otherwise the cached
open_clip state dict of the recipe is returned and, when it is absent,
built by running the recipe (an mmengine run, in a child process) once.
The file name holds a hash of the recipe (the config fields that shape the
weights and the source of the code it trains with), so a changed recipe
builds a new file. Concurrent processes (the ranks of a distributed run,
two runs at once) take a file lock: one builds, the others wait and then
read the finished file, which appears by an atomic rename only when
complete, with its SHA-256 beside it; a damaged file is moved aside and
rebuilt.

Run as ``python -m mmpretrain_mlr.models.clip.shapes_clip [NAME]`` it
builds (or finds) the file and prints its path; ``--rebuild`` builds from
the recipe even where weights are shipped
(``tools/model_converters/ship_project_clip.py`` ships a build).
"""
import argparse
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

from ...utils.atomic_file import write_atomically

from ...utils.package_files import package_files_root

PACKAGE_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
# in the checkout's configs/, or the installed package's .mim/configs/
RECIPE_DIR = osp.join(package_files_root() or osp.dirname(PACKAGE_ROOT),
                      'configs', 'demo')
RECIPE = osp.join(RECIPE_DIR, 'shapes_clip_pretrain.py')
# name -> (recipe in configs/demo/, prefix of the cached file names)
PROJECT_CLIPS = {
    'shapes': ('shapes_clip_pretrain.py', 'shapes_clip'),
    'shapes-scenes': ('scenes_clip_pretrain.py', 'scenes_clip'),
}
# where the package keeps the weights it ships (<name>.pth, <name>.json)
SHIPPED_DIR = osp.join(osp.dirname(osp.abspath(__file__)), 'weights')
# The code whose behaviour a recipe's result depends on, besides the config
# itself (package-relative paths), unless the recipe lists its own in
# `recipe_sources`.
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
    for name in cfg.get('recipe_sources', RECIPE_SOURCES):
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


def file_sha256(path: str) -> str:
    """Hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        for block in iter(lambda: f.read(1 << 20), b''):
            digest.update(block)
    return digest.hexdigest()


def _build(cfg_file: str, path: str) -> None:
    """Run the pretraining config ``cfg_file`` in a child process and move
    its export to ``path``, its SHA-256 to ``path + '.sha256'``."""
    folder = osp.dirname(path)
    work_dir = tempfile.mkdtemp(prefix='.build-', dir=folder)
    cmd = [sys.executable, '-m', 'mmpretrain_mlr.models.clip.shapes_clip',
           '--run', cfg_file, work_dir]
    print_log(
        f'Building {osp.basename(path)} by pretraining {cfg_file}; this '
        f'happens once, then the file is reused. Progress follows ...',
        logger='current')
    start = time.time()
    result = subprocess.run(cmd, env=_child_env())
    export = osp.join(work_dir, 'open_clip.pth')
    if result.returncode != 0 or not osp.isfile(export):
        raise RuntimeError(
            f'building the CLIP of {cfg_file} failed (exit status '
            f'{result.returncode}); the run log is in {work_dir}')
    digest = file_sha256(export)
    write_atomically(path + '.sha256', lambda f: f.write(digest.encode()))
    os.replace(export, path)
    log_dir = path[:-len('.pth')] + '.build'
    shutil.rmtree(log_dir, ignore_errors=True)
    os.replace(work_dir, log_dir)
    print_log(f'Built the CLIP in {time.time() - start:.0f} s: {path} '
              f'(run log in {log_dir})', logger='current')


def _damage(path: str) -> Optional[str]:
    """Why the cached file ``path`` cannot be used, or None if it can: its
    bytes against the SHA-256 written beside it at build time (files
    built before the digest existed are checked by loading them)."""
    sidecar = path + '.sha256'
    if osp.isfile(sidecar):
        with open(sidecar) as f:
            expected = f.read().strip()
        actual = file_sha256(path)
        return None if actual == expected else (
            f'its SHA-256 {actual[:16]}... differs from the {expected[:16]}'
            f'... recorded in {sidecar} when it was built')
    import torch
    try:
        torch.load(path, map_location='cpu', weights_only=True)
    except Exception as error:  # any unreadable content
        return f'it cannot be read ({type(error).__name__})'
    return None


def _usable_cache_file(path: str) -> bool:
    """Whether the cached ``path`` exists and is intact; a damaged one is
    moved aside (``<path>.damaged-<time>``) with a warning."""
    if not osp.isfile(path):
        return False
    reason = _damage(path)
    if reason is None:
        return True
    aside = f'{path}.damaged-{time.strftime("%Y%m%d-%H%M%S")}'
    os.replace(path, aside)
    print_log(f'The cached CLIP {path} is damaged: {reason}. Moved it to '
              f'{aside}; building it again.', logger='current',
              level=30)  # logging.WARNING
    return False


def _cache_folder(cache_dir: Optional[str]) -> str:
    """The cache folder, created, or an error saying how to choose
    another."""
    folder = osp.abspath(osp.expanduser(cache_dir or default_cache_dir()))
    try:
        os.makedirs(folder, exist_ok=True)
        if not os.access(folder, os.W_OK | os.X_OK):
            raise PermissionError(f'no write permission on {folder}')
    except OSError as error:
        raise PermissionError(
            f'the CLIP cache folder {folder} cannot be written ({error}); '
            'choose a writable folder with the environment variable '
            'MMPRETRAIN_MLR_CACHE (or XDG_CACHE_HOME), or the `cache_dir` '
            'of clip=dict(...)') from error
    return folder


def shapes_clip_file(cache_dir: Optional[str] = None,
                     recipe: Optional[str] = None,
                     cfg_options: Optional[dict] = None,
                     prefix: str = 'shapes_clip') -> str:
    """Path of a recipe's open_clip state dict in the cache, built if
    absent (or damaged).

    Args:
        cache_dir (str, optional): Where the file lives. Defaults to
            :func:`default_cache_dir`.
        recipe (str, optional): The pretraining config. Defaults to
            :data:`RECIPE`.
        cfg_options (dict, optional): Overrides of the recipe (part of the
            cache key), e.g. a tiny budget in tests.
        prefix (str): Start of the file name. Defaults to 'shapes_clip'.

    Returns:
        str: ``<cache_dir>/<prefix>-<key>.pth``.
    """
    cfg = load_recipe(recipe, cfg_options)
    folder = osp.abspath(osp.expanduser(cache_dir or default_cache_dir()))
    path = osp.join(folder, f'{prefix}-{recipe_key(cfg)}.pth')
    if osp.isfile(path) and _damage(path) is None:
        return path
    folder = _cache_folder(folder)
    with _exclusive_lock(path + '.lock'):
        if _usable_cache_file(path):  # built while this process waited
            return path
        cfg_file = path[:-len('.pth')] + '.recipe.py'
        cfg.dump(cfg_file)
        _build(cfg_file, path)
    return path


def recipe_path(name: str) -> str:
    """The recipe of the project CLIP ``name``."""
    if name not in PROJECT_CLIPS:
        raise KeyError(f'{name!r} is not a CLIP of this project; known: '
                       f'{sorted(PROJECT_CLIPS)}')
    return osp.join(RECIPE_DIR, PROJECT_CLIPS[name][0])


def project_clip_file(name: str, cache_dir: Optional[str] = None,
                      rebuild: bool = False) -> str:
    """Path of the open_clip state dict of the project CLIP ``name``.

    Shipped weights (checked against their SHA-256) come first, unless
    ``rebuild``; else the recipe's cached build (built if absent).

    Args:
        name (str): A key of :data:`PROJECT_CLIPS`.
        cache_dir (str, optional): The cache folder. Defaults to
            :func:`default_cache_dir`.
        rebuild (bool): Use the recipe's build even where weights are
            shipped. Defaults to False.

    Returns:
        str: A file ``open_clip.load_checkpoint`` reads.
    """
    recipe = recipe_path(name)
    shipped = osp.join(SHIPPED_DIR, f'{name}.pth')
    if rebuild or not osp.isfile(shipped):
        return shapes_clip_file(cache_dir, recipe,
                                prefix=PROJECT_CLIPS[name][1])
    from .shipped_weights import unpack_shipped
    return unpack_shipped(shipped, cache_dir or default_cache_dir(),
                          recipe_key(load_recipe(recipe)))


def _run(cfg_file: str, work_dir: str) -> None:
    """Train ``cfg_file`` into ``work_dir`` with mmengine's Runner."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    cfg = Config.fromfile(cfg_file)
    cfg.work_dir = work_dir
    cfg.launcher = 'none'
    Runner.from_cfg(cfg).train()


def main(argv=None):
    parser = argparse.ArgumentParser(
        description="Build (or find) a project CLIP and print its file")
    parser.add_argument('name', nargs='?', default='shapes',
                        choices=sorted(PROJECT_CLIPS))
    parser.add_argument('--rebuild', action='store_true',
                        help='build from the recipe even where weights '
                        'are shipped')
    args = parser.parse_args(argv)
    print(project_clip_file(args.name, rebuild=args.rebuild))


if __name__ == '__main__':
    if sys.argv[1:2] == ['--run']:
        _run(*sys.argv[2:4])
    else:
        main()
