"""Train one config under a list of named variants and print a table.

A variant is a name and a set of config overrides (what ``--cfg-options``
takes); the special key ``_config_`` trains another config instead (e.g.
the baseline a method is compared with). Each variant is an ordinary
``tools/train.py`` run of a child config (``<work-dir>/<variant>/
config.py``: the config with the overrides merged; each variant and each
known ratio in a folder of its own; ``<work-dir>`` defaults to
``work_dirs/compare_variants/<config folder>/<config name>``, so sweeps
of different configs do not mix either), optionally followed
by ``tools/test.py`` on the checkpoint of the best validation epoch. The
table gives, per variant, the best and last validation figure of the
metric, the test figure (``--test``), the pseudo-label figures of the
last epoch when the model reports them (``EpochSummaryHook``) and the
time. With ``--ratios``, every variant runs at each known-label ratio p
of the partial-label protocol, and each variant gets an average row over
the ratios, the figure the partial-label papers report. With
``--seeds``, every run is repeated once per training seed
(``randomness.seed``; the label protocol keeps its own draw) and each row
gives mean ± sample standard deviation over the seeds, so a difference
smaller than the spread is not read as a result. ``--extra-metrics``
adds the last epoch's figure of other validation metrics (GZSL beside
ZSL). ``--jobs N`` trains N runs at a time, each on its share of the
cores (``OMP_NUM_THREADS``); rows and table keep the sweep's order.

Presets (``variant_presets.py``):

- ``losses``: every loss of the incomplete-label family under the
  config's head, with the full-label upper bound (dataset-dependent loss
  fields are computed from the training set);
- ``trm_ablation``: TRM-ML and its ablations (text-global instead of
  text-region matching, no distillation, no contrastive loss, no
  prototypes / pseudo-labels, logits distillation, CoOp and DualCoOp text
  sides);
- ``sigrl_ablation``: SigRL without the label graph (GMC), without GMC and
  SVFR, with one stream only, without distillation.

Examples::

    # the loss family on the single-positive demo (about 20 minutes)
    python tools/analysis_tools/compare_variants.py \\
        configs/demo/resnet_shapes_single_positive.py --preset losses \\
        --test --out losses.md
    # TRM-ML, its ablations and DualCoOp at two known ratios
    python tools/analysis_tools/compare_variants.py \\
        configs/demo/trm_ml_shapes.py --preset trm_ablation \\
        --variant DualCoOp _config_=configs/demo/dualcoop_shapes.py \\
        --ratios 0.1 0.5 --out trm_ml.md
    # the same, three seeds each: mean ± std
    python tools/analysis_tools/compare_variants.py \\
        configs/demo/trm_ml_shapes.py --preset trm_ablation \\
        --ratios 0.1 0.5 --seeds 0 1 2 --out trm_ml_seeds.md
    # SigRL's ablation on the zero-shot scenes, GZSL figures beside ZSL
    python tools/analysis_tools/compare_variants.py \\
        configs/demo/sigrl_scenes_zsl.py --preset sigrl_ablation \\
        --seeds 0 1 2 --extra-metrics gzsl/mAP gzsl/F1@3
    # a known-ratio sweep of one config, with its average
    python tools/analysis_tools/compare_variants.py configs/trm_ml/voc07.py \\
        --variant TRM-ML --ratios 0.1 0.2 0.3 0.4 0.5 0.6 0.7 0.8 0.9
"""
import argparse
import copy
import glob
import json
import os
import os.path as osp
import re
import subprocess
import sys
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from typing import Dict, List, NamedTuple, Optional, Sequence

from mmengine.config import Config, DictAction

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
import variant_presets  # noqa: E402  (the presets, beside this file)
from variant_table import (EXTRA, average_row, format_table,  # noqa: E402
                           seed_row)

CONFIG_KEY = '_config_'
PROTOCOL_P = 'train_dataloader.dataset.label_protocol.p'
SEED_KEY = 'randomness.seed'


# ------------------------------------------------------------------- runs
def child_config(config: str, options: dict) -> Config:
    """``config`` (or the variant's own ``_config_``) with ``options``
    merged, as ``--cfg-options`` would."""
    options = dict(options)
    cfg = Config.fromfile(options.pop(CONFIG_KEY, config))
    cfg.merge_from_dict(copy.deepcopy(options))
    return cfg


def with_feature_cache(cfg: Config, feature_cache: Optional[dict]) -> Config:
    """``cfg`` reading its frozen image features from a cache
    (``FeatureCacheHook`` with the arguments ``feature_cache``) shared by
    every variant: runs with the same tower and data fill it once."""
    if feature_cache:
        hooks = [h for h in cfg.get('custom_hooks', [])
                 if h.get('type') != 'FeatureCacheHook']
        cfg.custom_hooks = hooks + [dict(type='FeatureCacheHook',
                                         **feature_cache)]
    return cfg


#: runs start from a server that imported the package once (None: fresh
#: interpreters, ``--fresh-processes``)
LAUNCHER = {'preloaded': None}


def run(args: List[str], log_file: str,
        env: Optional[Dict[str, str]] = None) -> str:
    """Run a repository tool (``env``: variables added to ours); return
    its output, raising on failure."""
    launcher = LAUNCHER['preloaded']
    if launcher is not None:
        code = launcher.run(osp.join(REPO_ROOT, args[0]), args[1:],
                            log_file, cwd=REPO_ROOT, env=env)
        with open(log_file) as log:
            output = log.read()
    else:
        with open(log_file, 'w') as log:
            proc = subprocess.run([sys.executable] + args, cwd=REPO_ROOT,
                                  env=dict(os.environ, **(env or {})),
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
            log.write(proc.stdout)
        code, output = proc.returncode, proc.stdout
    if code:
        raise RuntimeError(f'{" ".join(args)} failed (exit {code}); see '
                           f'{log_file}')
    return output


def read_scalars(work_dir: str) -> List[dict]:
    """Every record of the run's scalars.json files."""
    records = []
    for path in sorted(glob.glob(osp.join(work_dir, '*', 'vis_data',
                                          'scalars.json'))):
        with open(path) as f:
            records += [json.loads(line) for line in f if line.strip()]
    return records


def summarise_run(records: List[dict], metric: str,
                  extra_metrics: Sequence[str] = ()) -> dict:
    """Best (and its epoch) and last validation figure of ``metric``, the
    last figure of each of ``extra_metrics`` (key ``'last ' + name``) and
    the pseudo-label figures of the last epoch that reported them."""
    values = [(r['step'], r[metric]) for r in records if metric in r]
    if not values:
        raise RuntimeError(f'the run logged no {metric!r}')
    best_epoch, best = max(values, key=lambda v: (v[1], -v[0]))
    row = dict(best=best, best_epoch=best_epoch, last=values[-1][1])
    for name in extra_metrics:
        logged = [r[name] for r in records if name in r]
        if not logged:
            raise RuntimeError(f'the run logged no {name!r} '
                               '(--extra-metrics)')
        row[EXTRA + name] = logged[-1]
    pseudo = [r for r in records if 'train/pseudo_pos' in r]
    if pseudo:
        last = pseudo[-1]
        for key in ('pseudo_pos', 'pseudo_neg', 'pseudo_pos_precision',
                    'pseudo_neg_precision'):
            value = last.get(f'train/{key}')
            if value is not None and value == value:  # not NaN
                row[key] = value
    return row


def read_test_metric(output: str, metric: str) -> float:
    """The last figure of ``metric`` printed by tools/test.py."""
    values = re.findall(re.escape(metric) + r':\s*([-\d.]+)', output)
    if not values:
        raise RuntimeError(f'tools/test.py printed no {metric!r}')
    return float(values[-1])


def best_checkpoint(run_dir: str, best_epoch: int) -> str:
    saved = sorted(glob.glob(osp.join(run_dir, 'best_*.pth')))
    if saved:
        return saved[-1]
    return osp.join(run_dir, f'epoch_{best_epoch}.pth')


def train_variant(name: str, cfg: Config, run_dir: str, metric: str,
                  test: bool, extra_metrics: Sequence[str] = (),
                  env: Optional[Dict[str, str]] = None) -> dict:
    """Train one run (``env``: variables added to its environment) and
    summarise it (:func:`summarise_run`), with its test figure and time."""
    os.makedirs(run_dir, exist_ok=True)
    child = osp.join(run_dir, 'config.py')
    cfg.dump(child)
    start = time.time()
    run(['tools/train.py', child, '--work-dir', run_dir],
        osp.join(run_dir, 'train.log'), env)
    row = dict(variant=name, **summarise_run(read_scalars(run_dir), metric,
                                             extra_metrics))
    if test:
        output = run(['tools/test.py', child,
                      best_checkpoint(run_dir, row['best_epoch']),
                      '--work-dir', osp.join(run_dir, 'test')],
                     osp.join(run_dir, 'test.log'), env)
        row['test'] = read_test_metric(output, metric)
    row['seconds'] = time.time() - start
    return row


class Run(NamedTuple):
    """One training run of a sweep: a variant at a ratio and a seed."""
    variant: str
    ratio: Optional[float]
    seed: Optional[int]
    label: str
    cfg: Config
    run_dir: str
    metric: str


def plan_runs(config: str, variants: Dict[str, dict], work_dir: str,
              ratios: Optional[List[float]], metric: Optional[str],
              seeds: Optional[List[int]],
              feature_cache: Optional[dict]) -> List[Run]:
    """Every run of the sweep, variant by variant, ratio by ratio, seed by
    seed."""
    runs = []
    for name, options in variants.items():
        for p in ratios or [None]:
            ratio_label = name if p is None else f'{name}, p = {p:g}'
            for seed in seeds or [None]:
                run_options = dict(options)
                if p is not None:
                    run_options[PROTOCOL_P] = p
                if seed is not None:
                    run_options[SEED_KEY] = seed
                cfg = with_feature_cache(child_config(config, run_options),
                                         feature_cache)
                run_metric = metric or cfg.default_hooks.checkpoint.get(
                    'save_best')
                if not run_metric or run_metric == 'auto':
                    raise SystemExit('name the metric with --metric (the '
                                     'config has no checkpoint.save_best)')
                label = ratio_label if seed is None else \
                    f'{ratio_label}, seed {seed}'
                run_dir = osp.join(work_dir, re.sub(r'[^\w.+-]', '_', label))
                runs.append(Run(name, p, seed, label, cfg, run_dir,
                                run_metric))
    return runs


def threads_per_run(jobs: int) -> int:
    """The cores this process may use, shared by ``jobs`` runs at once."""
    cores = len(os.sched_getaffinity(0)) if hasattr(
        os, 'sched_getaffinity') else (os.cpu_count() or 1)
    return max(1, cores // jobs)


def execute(runs: List[Run], test: bool, extra_metrics: Sequence[str] = (),
            jobs: int = 1, first_alone: bool = False) -> List[dict]:
    """Train ``runs`` (``jobs`` at a time, each on its share of the cores
    through ``OMP_NUM_THREADS``; ``first_alone``: the first before any
    other and on all the cores, e.g. to fill a shared feature cache once);
    return their rows in the order of ``runs``, printing each as it ends
    (the sweep's table follows them)."""
    shared = None if jobs == 1 else {
        var: str(threads_per_run(jobs))
        for var in ('OMP_NUM_THREADS', 'MKL_NUM_THREADS')}
    rows: List[Optional[dict]] = [None] * len(runs)
    printed = threading.Lock()

    def train(index: int, env: Optional[Dict[str, str]] = shared) -> None:
        item = runs[index]
        rows[index] = train_variant(item.label, item.cfg, item.run_dir,
                                    item.metric, test, extra_metrics, env)
        with printed:
            print(format_table(rows[index:index + 1], header=False),
                  flush=True)

    pending = list(range(len(runs)))
    if first_alone and pending:
        train(pending.pop(0), env=None)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(train, i) for i in pending]
        try:
            for future in futures:
                future.result()
        except BaseException:  # the first failure ends the sweep
            for future in futures:
                future.cancel()
            raise
    return rows


def compare(config: str, variants: Dict[str, dict], work_dir: str,
            ratios: Optional[List[float]], metric: Optional[str],
            test: bool, seeds: Optional[List[int]] = None,
            feature_cache: Optional[dict] = None,
            extra_metrics: Sequence[str] = (), jobs: int = 1) -> List[dict]:
    """Train every variant at every ratio (and seed); return the table's
    rows: one per variant and ratio (mean ± std over ``seeds``), plus an
    average over the ratios per variant (with seeds: the mean ± std over
    seeds of each seed's average over the ratios). ``feature_cache``: the
    arguments of a ``FeatureCacheHook`` added to every run (with ``jobs``
    > 1 the first run fills it alone); ``extra_metrics``: validation
    metrics reported at the last epoch beside ``metric``."""
    runs = plan_runs(config, variants, work_dir, ratios, metric, seeds,
                     feature_cache)
    results = execute(runs, test, extra_metrics, jobs,
                      first_alone=bool(feature_cache) and jobs > 1)
    rows = []
    for name in variants:
        per_ratio = []  # [ratio][seed] rows
        for p in ratios or [None]:
            per_seed = [row for item, row in zip(runs, results)
                        if item.variant == name and item.ratio == p]
            per_ratio.append(per_seed)
            label = name if p is None else f'{name}, p = {p:g}'
            rows.append(seed_row(per_seed, label) if seeds else per_seed[0])
        if ratios and len(ratios) > 1:
            average = f'{name}, average'
            if seeds:
                rows.append(seed_row([
                    average_row([runs_[k] for runs_ in per_ratio], average)
                    for k in range(len(seeds))
                ], average))
            else:
                rows.append(average_row([runs_[0] for runs_ in per_ratio],
                                        average))
    return rows


# -------------------------------------------------------------------- cli
class VariantAction(argparse.Action):
    """``--variant NAME [KEY=VALUE ...]``, values parsed as
    ``--cfg-options`` parses them."""

    def __call__(self, parser, namespace, values, option_string=None):
        name, options = values[0], argparse.Namespace()
        DictAction(option_strings=[], dest='options')(
            parser, options, values[1:])
        variants = getattr(namespace, self.dest) or OrderedDict()
        variants[name] = dict(getattr(options, 'options', None) or {})
        setattr(namespace, self.dest, variants)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config', help='the training config')
    parser.add_argument('--preset', choices=sorted(variant_presets.PRESETS),
                        help='a named list of variants')
    parser.add_argument('--only', nargs='+',
                        help='of the preset, only these variants')
    parser.add_argument(
        '--variant', nargs='+', action=VariantAction, dest='variants',
        metavar=('NAME', 'KEY=VALUE'),
        help='a variant: a name and config overrides (repeatable); '
        f'{CONFIG_KEY}=PATH trains another config')
    parser.add_argument(
        '--cfg-options', nargs='+', action=DictAction, default={},
        help='overrides applied to every variant (before its own), e.g. '
        'a shorter schedule for all')
    parser.add_argument('--ratios', nargs='+', type=float,
                        help='known-label ratios p to run each variant at')
    parser.add_argument(
        '--seeds', nargs='+', type=int,
        help='train every variant once per seed (randomness.seed; the '
        "label protocol's draw stays its own) and report mean ± std")
    parser.add_argument('--metric', help='validation metric (default: the '
                        "config's checkpoint save_best)")
    parser.add_argument('--test', action='store_true',
                        help='also run tools/test.py on the best epoch')
    parser.add_argument(
        '--work-dir', help='folder of the variants\' runs (default: '
        'work_dirs/compare_variants/<config folder>/<config name>)')
    parser.add_argument(
        '--feature-cache', choices=['test', 'augmented'],
        help='read the frozen image features from a cache shared by the '
        'runs (FeatureCacheHook): test views, or augmented views')
    parser.add_argument('--feature-cache-views', type=int, default=1,
                        help='augmented views K (epoch e reads view e mod K)')
    parser.add_argument('--feature-cache-dir',
                        help='where the cache lives (default: '
                        '<work-dir>/feature_cache)')
    parser.add_argument(
        '--fresh-processes', action='store_true',
        help='start every run in a fresh interpreter (default: fork it from '
        'a server that imported the package once, saving the seconds of '
        'imports per run)')
    parser.add_argument(
        '--extra-metrics', nargs='+', default=[], metavar='METRIC',
        help='also report these validation metrics at the last epoch (e.g. '
        'gzsl/mAP gzsl/F1@3 beside zsl/mAP)')
    parser.add_argument(
        '--jobs', type=int, default=1,
        help='runs trained at once, the cores shared among them '
        '(OMP_NUM_THREADS); with a feature cache the first run fills it, '
        'alone on all the cores, before the others start')
    parser.add_argument('--out', help='also write the table (markdown) here')
    return parser.parse_args(argv)


def collect_variants(args) -> Dict[str, dict]:
    """The variants of the preset and the command line, each with the
    common ``--cfg-options`` under its own overrides."""
    variants = OrderedDict()
    if args.preset:
        preset = variant_presets.PRESETS[args.preset]
        variants.update(preset(Config.fromfile(args.config)))
        if args.only:
            unknown = [n for n in args.only if n not in variants]
            if unknown:
                raise SystemExit(f'unknown variants {unknown}; the preset '
                                 f'has {list(variants)}')
            variants = OrderedDict((n, variants[n]) for n in args.only)
    variants.update(args.variants or {})
    if not variants:
        raise SystemExit('give --preset and/or --variant NAME [KEY=VALUE]')
    common = dict(getattr(args, 'cfg_options', None) or {})
    return OrderedDict((name, dict(common, **options))
                       for name, options in variants.items())


def main(argv=None):
    from mmpretrain_mlr.utils.work_dirs import default_work_dir
    args = parse_args(argv)
    work_dir = args.work_dir or default_work_dir(
        args.config, root='work_dirs/compare_variants')
    if not args.fresh_processes:
        from mmpretrain_mlr.utils.preloaded_python import PreloadedPython
        LAUNCHER['preloaded'] = PreloadedPython()
    feature_cache = None
    if args.feature_cache:
        feature_cache = dict(
            mode=args.feature_cache, num_views=args.feature_cache_views,
            cache_dir=osp.abspath(args.feature_cache_dir or osp.join(
                work_dir, 'feature_cache')))
    if args.jobs < 1:
        raise SystemExit(f'--jobs must be >= 1, got {args.jobs}')
    rows = compare(args.config, collect_variants(args), work_dir,
                   args.ratios, args.metric, args.test, args.seeds,
                   feature_cache, args.extra_metrics, args.jobs)
    table = format_table(rows)
    print('\n' + table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
