"""Train one config with each loss of the incomplete-label family and print
a table of mAP per loss, with the full-label upper bound.

Each run is an ordinary ``tools/train.py`` run on a generated child config
(``<work-dir>/<loss>/config.py``: the given config with the loss swapped),
followed by ``tools/test.py`` on the checkpoint of the best val epoch.
Dataset-dependent loss fields (number of training samples and classes, the
expected number of positives per image) are computed from the config's
training set.

Example (the shapes single-positive demo, about a minute per loss on two
CPU cores)::

    python tools/analysis_tools/compare_losses.py \\
        configs/demo/resnet_shapes_single_positive.py --out losses.md
"""
import argparse
import copy
import json
import os
import os.path as osp
import re
import subprocess
import sys
import time
from typing import Dict, List

from mmengine.config import Config
from mmengine.registry import init_default_scope

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FULL_LABELS = 'full labels'


def loss_presets(num_samples: int, num_classes: int, expected_num_pos: float,
                 max_epochs: int) -> Dict[str, dict]:
    """The losses compared, as config dicts, by their names in the papers.

    LL's rejection rate grows by ``delta_rel`` per epoch; here it is set so
    that by the last epoch it reaches the expected fraction of false
    negatives under assume-negative, ``(k - 1) / C`` for single positives
    (COCO, k = 2.5, C = 80, 10 epochs: 0.19 %, the published 0.2 %).
    """
    per_sample = dict(num_samples=num_samples, num_classes=num_classes)
    delta_rel = max(expected_num_pos - 1, 0) / num_classes / max_epochs
    return {
        FULL_LABELS: dict(type='AssumeNegativeLoss'),
        'AN': dict(type='AssumeNegativeLoss'),
        'AN-LS': dict(type='AssumeNegativeLoss', label_smoothing=0.1),
        'WAN': dict(type='AssumeNegativeLoss', negative_weight='wan'),
        'EPR': dict(type='ExpectedPositiveRegularizationLoss',
                    expected_num_pos=expected_num_pos),
        'ROLE': dict(type='ROLELoss', expected_num_pos=expected_num_pos,
                     **per_sample),
        'EM': dict(type='EntropyMaximizationLoss'),
        'EM+APL': dict(type='EntropyMaximizationAPLLoss',
                       num_epochs=max_epochs, **per_sample),
        'LL-R': dict(type='LargeLossLoss', mode='reject',
                     delta_rel=delta_rel),
        'LL-Ct': dict(type='LargeLossLoss', mode='correct_temporary',
                      delta_rel=delta_rel),
        'LL-Cp': dict(type='LargeLossLoss', mode='correct_permanent',
                      delta_rel=delta_rel, **per_sample),
        'Hill': dict(type='HillLoss'),
        'SPLC': dict(type='SPLCLoss'),
    }


def training_set_stats(cfg: Config) -> tuple:
    """(N, C, mean positives per image) of the config's training set."""
    import mmpretrain_mlr  # noqa: F401  (registers the datasets)
    from mmpretrain.registry import DATASETS
    init_default_scope('mmpretrain')
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    full = dataset.full_labels
    return len(dataset), full.shape[1], float((full == 1).sum(1).mean())


def training_set_inference_hook(cfg: Config) -> dict:
    """EM+APL's end-of-epoch pass: the training set, test pipeline."""
    pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    for step in pipeline:
        if step['type'] == 'PackInputs':
            step['algorithm_keys'] = ('observed_label', )
    dataset = dict(copy.deepcopy(cfg.train_dataloader.dataset),
                   pipeline=pipeline)
    return dict(type='TrainingSetInferenceHook', dataloader=dict(
        batch_size=cfg.test_dataloader.batch_size, num_workers=0,
        dataset=dataset, sampler=dict(type='DefaultSampler', shuffle=False)))


def child_config(base: str, loss: dict, full_labels: bool) -> str:
    """Text of a config inheriting ``base`` with the loss replaced."""
    lines = [f'_base_ = {osp.abspath(base)!r}',
             f'model = dict(head=dict(loss=dict(_delete_=True, **{loss!r})))']
    if full_labels:
        lines.append('train_dataloader = dict(dataset=dict('
                     'label_protocol=None))')
    if loss['type'] == 'ROLELoss':
        # Cole et al. train the label table at 10x the rate, no decay.
        lines.append("optim_wrapper = dict(paramwise_cfg=dict(custom_keys={"
                     "'loss_module.label_logits': dict(lr_mult=10, "
                     "decay_mult=0)}))")
    if loss['type'] == 'EntropyMaximizationAPLLoss':
        cfg = Config.fromfile(base)
        hooks = list(cfg.get('custom_hooks', [])) + [
            training_set_inference_hook(cfg)]
        lines.append(f'custom_hooks = {hooks!r}')
    return '\n'.join(lines) + '\n'


def run(args: List[str], log_file: str) -> str:
    """Run a repository tool; return its output, raising on failure."""
    with open(log_file, 'w') as log:
        proc = subprocess.run([sys.executable] + args, cwd=REPO_ROOT,
                              stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
        log.write(proc.stdout)
    if proc.returncode:
        raise RuntimeError(f'{" ".join(args)} failed (exit '
                           f'{proc.returncode}); see {log_file}')
    return proc.stdout


def read_summary(work_dir: str) -> dict:
    """The BestAndLastHook summary from the run's scalars.json."""
    found = {}
    for root, _, files in os.walk(work_dir):
        if 'scalars.json' in files:
            with open(osp.join(root, 'scalars.json')) as f:
                for line in f:
                    record = json.loads(line)
                    for key, value in record.items():
                        if key.startswith('best_and_last/'):
                            found[key.split('/', 1)[1]] = value
    if not found:
        raise RuntimeError(f'no best_and_last summary under {work_dir}: '
                           "add dict(type='BestAndLastHook', ...) to the "
                           "config's custom_hooks")
    return found


def read_test_metric(output: str, metric: str) -> float:
    """The last figure of ``metric`` printed by tools/test.py."""
    values = re.findall(re.escape(metric) + r':\s*([-\d.]+)', output)
    if not values:
        raise RuntimeError(f'tools/test.py printed no {metric!r}')
    return float(values[-1])


def compare(config: str, losses: List[str], work_dir: str) -> List[dict]:
    cfg = Config.fromfile(config)
    num_samples, num_classes, num_pos = training_set_stats(cfg)
    presets = loss_presets(num_samples, num_classes, num_pos,
                           cfg.train_cfg.max_epochs)
    unknown = [name for name in losses if name not in presets]
    if unknown:
        raise SystemExit(f'unknown losses {unknown}; choose from '
                         f'{list(presets)}')
    print(f'training set: {num_samples} images, {num_classes} classes, '
          f'{num_pos:.2f} positives per image')
    rows = []
    for name in losses:
        run_dir = osp.join(work_dir, re.sub(r'[^\w.+-]', '_', name))
        os.makedirs(run_dir, exist_ok=True)
        child = osp.join(run_dir, 'config.py')
        with open(child, 'w') as f:
            f.write(child_config(config, presets[name], name == FULL_LABELS))
        start = time.time()
        run(['tools/train.py', child, '--work-dir', run_dir],
            osp.join(run_dir, 'train.log'))
        summary = read_summary(run_dir)
        best_ckpt = osp.join(run_dir, f'epoch_{summary["best_epoch"]}.pth')
        if not osp.exists(best_ckpt):
            best_ckpt = next(
                osp.join(run_dir, f) for f in sorted(os.listdir(run_dir))
                if f.startswith('best_') and f.endswith('.pth'))
        output = run(['tools/test.py', child, best_ckpt, '--work-dir',
                      osp.join(run_dir, 'test')],
                     osp.join(run_dir, 'test.log'))
        rows.append(dict(
            loss=name, best=summary['best'], best_epoch=summary['best_epoch'],
            last=summary['last'],
            test=read_test_metric(output, summary['metric']),
            seconds=time.time() - start))
        print(format_table(rows[-1:], header=not rows[:-1]), flush=True)
    return rows


def format_table(rows: List[dict], header: bool = True) -> str:
    lines = []
    if header:
        lines += ['| loss | val mAP, best (epoch) | val mAP, last | '
                  'test mAP at best val epoch | time (s) |',
                  '|---|---|---|---|---|']
    for row in rows:
        lines.append(f'| {row["loss"]} | {row["best"]:.2f} '
                     f'({row["best_epoch"]}) | {row["last"]:.2f} | '
                     f'{row["test"]:.2f} | {row["seconds"]:.0f} |')
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        'config', nargs='?',
        default='configs/demo/resnet_shapes_single_positive.py',
        help='training config whose model.head.loss is swapped')
    parser.add_argument('--losses', nargs='+', default=None,
                        help='losses to compare (default: all)')
    parser.add_argument('--work-dir', default='work_dirs/compare_losses')
    parser.add_argument('--out', help='also write the table (markdown) here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    losses = args.losses or list(loss_presets(1, 1, 1., 1))
    rows = compare(args.config, losses, args.work_dir)
    table = format_table(rows)
    print('\n' + table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')


if __name__ == '__main__':
    main()
