"""Test (and evaluate) a checkpoint with an mmengine Runner.

Same command line as mmpretrain's ``tools/test.py`` (without the
visualisation and TTA options). Checkpoints load with
``torch.load(weights_only=True)``; multi-process runs on CPU-only machines
use the gloo backend. A checkpoint whose keys or shapes do not fit the
model is an error listing the differing keys (``--no-strict-load`` loads
the matching part with a warning); an empty or truncated one is an error
naming the file.

Examples::

    python tools/test.py CONFIG work_dirs/trm_ml/coco/epoch_20.pth
    python tools/test.py CONFIG CKPT --out preds.pkl          # predictions
    python tools/test.py CONFIG CKPT --out m.json --out-item metrics
    bash tools/dist_test.sh CONFIG CKPT 8
"""
import argparse
import os.path as osp
import sys

# `train.py` (next to this file) puts the repository root on sys.path and
# imports mmpretrain_mlr; both tools share its helpers.
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from train import (add_common_args, build_runner, check_file,  # noqa: E402
                   load_config, merge_cfg_options, run_reporting_stalls,
                   set_dataloader_defaults)

import mmengine  # noqa: E402
from mmengine.evaluator import DumpResults  # noqa: E402

from mmpretrain_mlr.utils.reliability_hooks import (  # noqa: E402
    add_reliability_hooks)
from mmpretrain_mlr.utils.resume_checkpoint import (  # noqa: E402
    checkpoint_problem)

PICKLE_SUFFIXES = ('.pkl', '.pickle')


def parse_args(argv=None):
    """Build the command line and parse ``argv`` (default: ``sys.argv``)."""
    parser = argparse.ArgumentParser(
        description='Test (and evaluate) a checkpoint')
    parser.add_argument('config', help='test config file path')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument(
        '--out',
        help='output file: predictions as a pickle (.pkl/.pickle, written '
        'by mmengine\'s DumpResults), or with --out-item metrics the metrics '
        '(.pkl/.json/.yaml)')
    parser.add_argument(
        '--out-item',
        choices=['metrics', 'pred'],
        help='what --out holds (default: pred)')
    parser.add_argument(
        '--amp',
        action='store_true',
        help='test under autocast (test_cfg.fp16=True): float16 on CUDA, '
        'bfloat16 on CPU')
    parser.add_argument(
        '--no-pin-memory',
        action='store_true',
        help='disable pin_memory in the test dataloader')
    add_common_args(parser)
    return parser, parser.parse_args(argv)


def check_args(parser, args):
    """Reject option combinations before anything is built.

    Args:
        parser (argparse.ArgumentParser): Parser reporting errors.
        args (argparse.Namespace): Parsed arguments.
    """
    if args.out_item is not None and args.out is None:
        parser.error(f'--out-item {args.out_item} needs --out FILE')
    if (args.out is not None and args.out_item != 'metrics'
            and not args.out.endswith(PICKLE_SUFFIXES)):
        parser.error(f'--out {args.out!r}: predictions are written as a '
                     f'pickle; expected a name ending in {PICKLE_SUFFIXES}')
    check_file(parser, args.checkpoint, 'checkpoint')
    if '://' not in args.checkpoint:
        problem = checkpoint_problem(osp.expanduser(args.checkpoint))
        if problem is not None:
            parser.error(f'checkpoint {args.checkpoint!r} is unreadable '
                         f'({problem})')


def merge_args(parser, cfg, args):
    """Apply the test options to ``cfg`` in place.

    Args:
        parser (argparse.ArgumentParser): Parser reporting errors.
        cfg (mmengine.Config): Config from ``load_config``.
        args (argparse.Namespace): Parsed arguments.
    """
    missing = [key for key in ('test_dataloader', 'test_evaluator', 'test_cfg')
               if cfg.get(key) is None]
    if missing:
        parser.error(f'config {args.config!r} has no {missing}; testing needs '
                     'test_dataloader, test_evaluator and test_cfg')
    cfg.load_from = args.checkpoint
    if args.amp:
        cfg.test_cfg.fp16 = True
    merge_cfg_options(parser, cfg, args)
    set_dataloader_defaults(
        cfg, ('test_dataloader', ), pin_memory=not args.no_pin_memory)
    if args.no_strict_load:
        add_reliability_hooks(cfg, strict_load=False)


def main(argv=None):
    """Test from the command line.

    Args:
        argv (list[str], optional): Arguments; defaults to ``sys.argv[1:]``.

    Returns:
        dict: The test metrics.
    """
    parser, args = parse_args(argv)
    check_args(parser, args)
    cfg = load_config(parser, args)
    merge_args(parser, cfg, args)
    runner = build_runner(cfg)
    if args.out is not None and args.out_item != 'metrics':
        runner.test_evaluator.metrics.append(
            DumpResults(out_file_path=args.out))
    metrics = run_reporting_stalls(cfg, runner.test)
    if args.out is not None and args.out_item == 'metrics':
        mmengine.dump(metrics, args.out)
    return metrics


if __name__ == '__main__':
    main()
