"""Train a model from a config with an mmengine Runner.

Same command line as mmpretrain's ``tools/train.py``. The run itself is
the config's: its ``runner_type``, by default
:class:`~mmpretrain_mlr.engine.PortableRunner`, gives every entry point
(this tool, mmpretrain's ``tools/train.py``, ``mim train``,
``RUNNERS.build(cfg)``) the same work directory
(``work_dirs/<config folder>/<config name>`` unless given), the same
reliability hooks (crash-safe checkpoints, exact resume, divergence guard,
strict checkpoint loading, label-coverage check, stalled-rank report), the
same auto resume (the newest readable checkpoint), multi-process runs on
CPU-only machines (gloo) and the ``--amp`` fallback to float32 there
(docs/entry_points.md). What this tool adds is command-line specific:

- ``--cfg-options`` is checked before it is merged (an unknown top-level
  field is an error naming the closest known one; an override of a base
  variable no field reads any more is refused, naming the fields);
- ``--resume`` without a readable checkpoint, or with an unreadable one, is
  an error before anything is built;
- ``--no-strict-load`` turns the strict checkpoint check into a warning;
- a collective timeout is reported naming the stalled rank.

Examples::

    python tools/train.py CONFIG
    python tools/train.py CONFIG --resume                # latest in work dir
    python tools/train.py CONFIG --resume work_dirs/demo/x/epoch_1.pth
    bash tools/dist_train.sh CONFIG 8 --amp

``tools/test.py`` reuses :func:`add_common_args`, :func:`check_file`,
:func:`load_config`, :func:`merge_cfg_options`,
:func:`set_dataloader_defaults`, :func:`build_runner` and
:func:`run_reporting_stalls`.
"""
import argparse
import os
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import mmpretrain_mlr  # noqa: E402,F401  registries + checkpoint loader
from mmengine.config import Config  # noqa: E402
from mmengine.device import get_device  # noqa: E402
from mmengine.registry import RUNNERS  # noqa: E402

from mmpretrain_mlr.utils.amp import amp_optim_wrapper  # noqa: E402
from mmpretrain_mlr.utils.cfg_options import (  # noqa: E402
    CfgOptionsError, add_cfg_options_arg, check_cfg_options, follow_data_root)
from mmpretrain_mlr.utils.rank_progress import raise_if_stalled  # noqa: E402
from mmpretrain_mlr.utils.reliability_hooks import (  # noqa: E402
    add_reliability_hooks)
from mmpretrain_mlr.utils.resume_checkpoint import (  # noqa: E402
    checkpoint_problem, find_resumable_checkpoint,
    previous_readable_checkpoint)
from mmpretrain_mlr.utils.work_dirs import resolve_work_dir  # noqa: E402

DEFAULT_RUNNER = 'mmpretrain.PortableRunner'

AMP_HELP = (
    'enable automatic mixed precision training (AmpOptimWrapper in '
    "bfloat16 where the GPU supports it, else float16 with loss_scale="
    "'dynamic'). On a machine without CUDA/NPU/MLU/MUSA the flag "
    "is ignored with a warning, because mmengine's AmpOptimWrapper requires "
    'one of them; training then runs in float32.')


def add_common_args(parser):
    """Add the options ``train.py`` and ``test.py`` share.

    Args:
        parser (argparse.ArgumentParser): Parser to extend.
    """
    parser.add_argument(
        '--work-dir',
        help='directory for logs and checkpoints (default: the config\'s '
        'work_dir, else ./work_dirs/<config folder>/<config name>)')
    add_cfg_options_arg(parser)
    parser.add_argument(
        '--no-strict-load',
        action='store_true',
        help='load a checkpoint whose keys or shapes do not fit the model '
        '(only the matching part, with a warning); by default that is an '
        'error listing the differing keys')
    parser.add_argument(
        '--launcher',
        choices=['none', 'pytorch', 'slurm', 'mpi'],
        default='none',
        help='job launcher; on CPU-only machines multi-process jobs use the '
        'gloo backend')
    # torch.distributed.launch passes --local-rank (torch >= 2.0) or
    # --local_rank (older); torchrun sets LOCAL_RANK instead.
    parser.add_argument('--local_rank', '--local-rank', type=int, default=0)


def check_file(parser, path, what):
    """Exit with a usage error if a local ``path`` is not a file.

    Paths with a URL scheme (``https://``, ``open-mmlab://`` ...) are left to
    mmengine's checkpoint loaders.

    Args:
        parser (argparse.ArgumentParser): Parser reporting the error.
        path (str): Path given on the command line.
        what (str): What the path should be, for the message.
    """
    if '://' not in path and not osp.isfile(osp.expanduser(path)):
        parser.error(f'{what} {path!r} does not exist or is not a file')


def load_config(parser, args):
    """Load ``args.config`` and apply the shared options.

    Args:
        parser (argparse.ArgumentParser): Parser reporting errors.
        args (argparse.Namespace): Parsed arguments.

    Returns:
        mmengine.Config: The config with ``launcher`` and ``work_dir`` set.
    """
    os.environ.setdefault('LOCAL_RANK', str(args.local_rank))
    check_file(parser, args.config, 'config file')
    cfg = Config.fromfile(args.config)
    cfg.launcher = args.launcher
    # work_dir priority: command line > config > config folder and name
    # (the rule PortableRunner applies under every entry point)
    if args.work_dir is not None:
        cfg.work_dir = args.work_dir
    else:
        resolve_work_dir(cfg, argv=[])
    return cfg


def set_dataloader_defaults(cfg, fields, pin_memory=True,
                            persistent_workers=True):
    """Fill dataloader options the config leaves unset, as mmpretrain does.

    ``False`` arguments (``--no-pin-memory``, ``--no-persistent-workers``)
    override the config. (``PortableRunner`` turns off what the device or
    ``num_workers=0`` do not allow.)

    Args:
        cfg (mmengine.Config): Config to update in place.
        fields (Sequence[str]): Dataloader fields, e.g. ``'val_dataloader'``.
        pin_memory (bool): Allow pinned memory. Defaults to True.
        persistent_workers (bool): Allow persistent workers. Defaults to True.
    """
    for field in fields:
        loader = cfg.get(field)
        if loader is None:
            continue
        loader.setdefault('collate_fn', dict(type='default_collate'))
        loader.setdefault('pin_memory', get_device() != 'cpu')
        loader.setdefault('persistent_workers', True)
        if not pin_memory:
            loader.pin_memory = False
        if not persistent_workers:
            loader.persistent_workers = False


def merge_cfg_options(parser, cfg, args):
    """Check ``--cfg-options`` and merge them into ``cfg``.

    Args:
        parser (argparse.ArgumentParser): Parser reporting errors.
        cfg (mmengine.Config): Config to update in place.
        args (argparse.Namespace): Parsed arguments.
    """
    if args.cfg_options is None:
        return
    old_root = cfg.get('data_root')
    try:
        check_cfg_options(cfg, args.cfg_options)
        cfg.merge_from_dict(args.cfg_options)
    except (CfgOptionsError, KeyError, TypeError, ValueError) as err:
        parser.error(f'{err} (config {args.config!r})')
    for field, value in follow_data_root(cfg, old_root):
        print(f'data_root: {field} = {value!r}')


def run_reporting_stalls(cfg, run):
    """Call ``run()``; a collective timeout becomes an error naming the
    stopped rank (see :mod:`mmpretrain_mlr.utils.rank_progress`).

    Args:
        cfg (mmengine.Config): The run's config (for the timeout).
        run (callable): E.g. ``runner.train``.

    Returns:
        The result of ``run()``.
    """
    try:
        return run()
    except RuntimeError as err:
        raise_if_stalled(
            err, (cfg.get('env_cfg') or {}).get('dist_cfg', {}).get('timeout'))
        raise


def build_runner(cfg):
    """Build ``cfg.runner_type``, by default ``PortableRunner`` (CPU
    multi-process set-up, ``--amp`` fallback).

    Args:
        cfg (mmengine.Config): Complete config, ``launcher`` included.

    Returns:
        mmengine.runner.Runner: The runner.
    """
    if cfg.get('runner_type') is None:
        cfg.runner_type = DEFAULT_RUNNER
    return RUNNERS.build(cfg)


def parse_args(argv=None):
    """Build the command line and parse ``argv`` (default: ``sys.argv``)."""
    parser = argparse.ArgumentParser(description='Train a model')
    parser.add_argument('config', help='train config file path')
    parser.add_argument(
        '--resume',
        nargs='?',
        type=str,
        const='auto',
        help='resume training: from the given checkpoint, or, without a '
        'value, from the latest checkpoint in the work directory')
    parser.add_argument('--amp', action='store_true', help=AMP_HELP)
    parser.add_argument(
        '--no-validate',
        action='store_true',
        help='do not evaluate checkpoints during training')
    parser.add_argument(
        '--auto-scale-lr',
        action='store_true',
        help='scale the learning rate by the actual over the config\'s '
        'auto_scale_lr.base_batch_size')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='disable pin_memory in the dataloaders')
    parser.add_argument(
        '--no-persistent-workers',
        action='store_true',
        help='disable persistent_workers in the dataloaders')
    add_common_args(parser)
    return parser, parser.parse_args(argv)


def merge_args(parser, cfg, args):
    """Apply the training options to ``cfg`` in place.

    Args:
        parser (argparse.ArgumentParser): Parser reporting errors.
        cfg (mmengine.Config): Config from :func:`load_config`.
        args (argparse.Namespace): Parsed arguments.
    """
    if args.no_validate:
        cfg.val_cfg = cfg.val_dataloader = cfg.val_evaluator = None

    if args.amp:  # PortableRunner falls back to float32 on a CPU
        amp_optim_wrapper(cfg.optim_wrapper, get_device())

    if args.auto_scale_lr:
        if not cfg.get('auto_scale_lr', {}).get('base_batch_size'):
            parser.error(f'--auto-scale-lr needs `auto_scale_lr = dict('
                         f'base_batch_size=...)` in {args.config}; it has '
                         f'auto_scale_lr={cfg.get("auto_scale_lr")!r}')
        cfg.auto_scale_lr.enable = True

    merge_cfg_options(parser, cfg, args)
    if args.resume is not None:
        cfg.resume = True
        cfg.load_from = resume_source(parser, cfg, args.resume)

    set_dataloader_defaults(
        cfg, ('train_dataloader', 'val_dataloader', 'test_dataloader'),
        pin_memory=not args.no_pin_memory,
        persistent_workers=not args.no_persistent_workers)
    if args.no_strict_load:
        add_reliability_hooks(cfg, strict_load=False)


def resume_source(parser, cfg, resume):
    """The checkpoint ``--resume`` resumes from.

    ``auto``: the newest readable checkpoint of ``cfg.work_dir`` (unreadable
    newer ones are skipped with a warning); none is an error. A given path
    must be a readable checkpoint; otherwise the error names it and the
    newest readable one before it.

    Args:
        parser (argparse.ArgumentParser): Parser reporting errors.
        cfg (mmengine.Config): Config with ``work_dir``.
        resume (str): ``'auto'`` or a checkpoint path.

    Returns:
        str: The checkpoint path (for ``auto`` the one
        ``PortableRunner.select_resume_checkpoint`` would choose).
    """
    if resume == 'auto':
        found = find_resumable_checkpoint(cfg.work_dir)
        if found is None:
            parser.error(f'--resume: nothing to resume in {cfg.work_dir!r}: '
                         'no readable checkpoint (last_checkpoint, '
                         'epoch_*.pth or iter_*.pth). Train without --resume '
                         'to start from scratch.')
        return found
    check_file(parser, resume, '--resume checkpoint')
    problem = checkpoint_problem(osp.expanduser(resume))
    if problem is not None:
        previous = previous_readable_checkpoint(osp.expanduser(resume))
        parser.error(f'--resume checkpoint {resume!r} is unreadable '
                     f'({problem}); ' +
                     (f'the newest readable checkpoint before it is '
                      f'{previous!r}' if previous else
                      'there is no readable checkpoint before it'))
    return resume


def main(argv=None):
    """Train from the command line.

    Args:
        argv (list[str], optional): Arguments; defaults to ``sys.argv[1:]``.
    """
    parser, args = parse_args(argv)
    cfg = load_config(parser, args)
    merge_args(parser, cfg, args)
    runner = build_runner(cfg)
    run_reporting_stalls(cfg, runner.train)


if __name__ == '__main__':
    main()
