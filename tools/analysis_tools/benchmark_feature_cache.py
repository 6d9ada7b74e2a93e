"""What the feature cache saves: training throughput with and without it,
the time to fill it and its size, and (``--sweep``) a whole
``compare_variants.py`` sweep end to end both ways, all in one run.

Part 1 trains the config twice in this process for ``--epochs`` epochs
(validation off): once reading images, once with a ``FeatureCacheHook``
(``--mode``, ``--views``) filling a fresh cache first. It reports images/s
of a training epoch (the mean over the epochs after the first; the first
pays for start-up), the fill time and the cache's size on disk.

Part 2 (``--sweep PRESET``) runs ``compare_variants.py CONFIG --preset
PRESET`` (with ``--seeds`` / ``--ratios`` / ``--only`` / ``--jobs`` as
given) twice, without and with ``--feature-cache``, back to back, and
reports each sweep's wall time and the val figures of both, variant by
variant.

Examples::

    python tools/analysis_tools/benchmark_feature_cache.py \\
        configs/demo/trm_ml_shapes.py --epochs 3
    python tools/analysis_tools/benchmark_feature_cache.py \\
        configs/demo/trm_ml_shapes.py --epochs 3 --sweep trm_ablation \\
        --seeds 0 1 2 --out cache.md
"""
import argparse
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time
from typing import List

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)


def folder_bytes(folder: str) -> int:
    """Bytes of the files under ``folder``."""
    return sum(osp.getsize(osp.join(root, name))
               for root, _, names in os.walk(folder) for name in names)


def timed_training(config: str, epochs: int, work_dir: str,
                   feature_cache=None, options=None) -> dict:
    """Train ``config`` for ``epochs`` epochs without validation; return
    the epochs' wall times and, with a cache, the time its fill took."""
    from mmengine.config import Config
    from mmengine.hooks import Hook
    from mmengine.runner import Runner

    class Stopwatch(Hook):
        # before the cache hook (ABOVE_NORMAL) fills, after it for epochs
        priority = 'VERY_HIGH'

        def __init__(self):
            self.marks = {}
            self.epochs = []

        def before_train(self, runner):
            self.marks['start'] = time.perf_counter()

        def before_train_epoch(self, runner):
            self.marks.setdefault('first_epoch', time.perf_counter())
            self.marks['epoch'] = time.perf_counter()

        def after_train_epoch(self, runner):
            self.epochs.append(time.perf_counter() - self.marks['epoch'])

    cfg = Config.fromfile(config)
    cfg.merge_from_dict(options or {})
    cfg.work_dir = work_dir
    cfg.train_cfg = dict(by_epoch=True, max_epochs=epochs, val_interval=0)
    cfg.val_dataloader = cfg.val_evaluator = cfg.val_cfg = None
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook',
                                        interval=-1)
    cfg.custom_hooks = [h for h in cfg.get('custom_hooks', [])
                        if h.get('type') not in ('FeatureCacheHook',
                                                 'BestAndLastHook')]
    if feature_cache is not None:
        cfg.custom_hooks.append(dict(type='FeatureCacheHook',
                                     **feature_cache))
    runner = Runner.from_cfg(cfg)
    stopwatch = Stopwatch()
    runner.register_hook(stopwatch)
    runner.train()
    return dict(epochs=stopwatch.epochs,
                images=len(runner.train_dataloader.dataset),
                fill=stopwatch.marks['first_epoch'] - stopwatch.marks['start'])


def images_per_second(result: dict) -> float:
    later = result['epochs'][1:] or result['epochs']
    return result['images'] / (sum(later) / len(later))


def run_sweep(args, cached: bool, work_dir: str) -> dict:
    """One compare_variants.py sweep; its wall time and table."""
    command = [sys.executable, 'tools/analysis_tools/compare_variants.py',
               args.config, '--preset', args.sweep, '--work-dir', work_dir,
               '--out', osp.join(work_dir, 'table.md')]
    for flag in ('seeds', 'ratios', 'only'):
        if getattr(args, flag):
            command += [f'--{flag}', *map(str, getattr(args, flag))]
    command += ['--jobs', str(args.jobs)]
    if args.cfg_options:
        command += ['--cfg-options'] + [
            f'{key}={value}' for key, value in args.cfg_options.items()]
    if cached:
        command += ['--feature-cache', args.mode, '--feature-cache-views',
                    str(args.views)]
    start = time.perf_counter()
    subprocess.run(command, cwd=REPO_ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - start
    with open(osp.join(work_dir, 'table.md')) as f:
        table = f.read()
    return dict(seconds=seconds, table=table, command=' '.join(command[1:]))


def report(args, uncached: dict, cached: dict, size: int,
           sweeps: List[dict]) -> str:
    lines = [f'`python tools/analysis_tools/benchmark_feature_cache.py '
             f'{" ".join(sys.argv[1:])}`']
    if uncached is not None:
        lines += epoch_report(args, uncached, cached, size)
    if sweeps:
        without, with_cache = sweeps
        lines += [
            '', f'Sweep `{args.sweep}` end to end: '
            f'{without["seconds"]:.0f} s without the cache, '
            f'{with_cache["seconds"]:.0f} s with it '
            f'({without["seconds"] / with_cache["seconds"]:.1f}x).', '',
            'Without the cache:', '', without['table'],
            'With the cache:', '', with_cache['table']]
    return '\n'.join(lines)


def epoch_report(args, uncached: dict, cached: dict, size: int) -> list:
    from mmpretrain_mlr.feature_cache.store import format_bytes
    plain, fast = images_per_second(uncached), images_per_second(cached)
    lines = [
        '',
        '| | images / s (training epoch) | fill (s) | cache on disk |',
        '|---|---|---|---|',
        f'| images | {plain:.1f} | | |',
        f'| feature cache ({args.mode}, {args.views} view(s)) | '
        f'{fast:.1f} | {cached["fill"]:.1f} | {format_bytes(size)} |',
        '', f'Throughput ratio: {fast / plain:.1f}x '
        f'({len(uncached["epochs"])} epochs of {uncached["images"]} '
        'images each way).']
    return lines


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('--epochs', type=int, default=3,
                        help='training epochs each way (part 1)')
    parser.add_argument('--mode', choices=['test', 'augmented'],
                        default='augmented', help='the cache\'s views')
    parser.add_argument('--views', type=int, default=1,
                        help='augmented views K')
    parser.add_argument('--cfg-options', nargs='+', action=DictAction,
                        default={}, help='config overrides (both ways)')
    parser.add_argument('--skip-epochs', action='store_true',
                        help='only the sweep (part 2)')
    parser.add_argument('--sweep', help='also time a compare_variants.py '
                        'preset both ways (e.g. trm_ablation)')
    parser.add_argument('--seeds', nargs='+', type=int)
    parser.add_argument('--ratios', nargs='+', type=float)
    parser.add_argument('--only', nargs='+')
    parser.add_argument('--jobs', type=int, default=1,
                        help='runs of the sweep at a time, both ways '
                        '(compare_variants.py --jobs)')
    parser.add_argument('--work-dir', help='default: a temporary folder')
    parser.add_argument('--out', help='also write the report here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    import mmpretrain_mlr  # noqa: F401  (registers the hook)
    root = args.work_dir or tempfile.mkdtemp(prefix='feature_cache_bench_')
    cache_dir = osp.join(root, 'cache')
    uncached = cached = None
    if not args.skip_epochs:
        uncached = timed_training(args.config, args.epochs,
                                  osp.join(root, 'images'),
                                  options=args.cfg_options)
        cached = timed_training(
            args.config, args.epochs, osp.join(root, 'cached'),
            dict(mode=args.mode, num_views=args.views, cache_dir=cache_dir),
            options=args.cfg_options)
    sweeps = []
    if args.sweep:
        sweeps = [run_sweep(args, False, osp.join(root, 'sweep_images')),
                  run_sweep(args, True, osp.join(root, 'sweep_cached'))]
    text = report(args, uncached, cached, folder_bytes(cache_dir), sweeps)
    print('\n' + text)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(text + '\n')


if __name__ == '__main__':
    main()
