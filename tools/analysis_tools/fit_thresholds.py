"""Fit one decision threshold per class on a validation split and store
them beside the checkpoint.

By default each class gets the threshold of its maximum F1 on the split;
``--target-precision P`` chooses instead the lowest threshold whose
precision reaches P. Classes without a positive in the split (or whose
target precision is out of reach) keep ``--default`` and are listed. The
thresholds go to ``<checkpoint without .pth>.thresholds.json``, where
``MultiLabelInferencer``, ``tools/infer.py`` and ``MultiLabelPRF``
(``class_thresholds=``) find them. With ``--eval-split``, CP / CR / CF1 /
OP / OR / OF1 of another split are reported at ``--default`` and with the
fitted thresholds, side by side; the split they were fitted on is refused.

Examples::

    python tools/analysis_tools/fit_thresholds.py \\
        configs/demo/trm_ml_shapes.py \\
        work_dirs/demo/trm_ml_shapes/epoch_12.pth --split val \\
        --eval-split test --cfg-options test_dataloader.dataset.split=test
    python tools/analysis_tools/fit_thresholds.py CONFIG CKPT \\
        --target-precision 0.9
"""
import argparse
import copy
import os.path as osp
import sys
import tempfile

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import mmpretrain_mlr  # noqa: E402,F401  registries + checkpoint loader
import numpy as np  # noqa: E402
from mmengine.config import Config  # noqa: E402
from mmengine.registry import RUNNERS  # noqa: E402

from mmpretrain_mlr.evaluation import ScoreTargetMetric  # noqa: E402
from mmpretrain_mlr.evaluation.class_thresholds import (  # noqa: E402
    check_not_fitted_on, fit_class_thresholds, load_class_thresholds,
    save_class_thresholds, thresholds_file_of)
from mmpretrain_mlr.evaluation.prf import (  # noqa: E402
    PRF_KEYS, precision_recall_f1)
from mmpretrain_mlr.utils.cfg_options import (  # noqa: E402
    CfgOptionsError, add_cfg_options_arg, check_cfg_options, follow_data_root)

SPLITS = ('val', 'test', 'train')


class CollectScores(ScoreTargetMetric):
    """Keeps the [N, C] scores and targets of a test run."""

    def compute_metrics(self, results):
        self.scores, self.targets = self.stack_results(results)
        return {}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Fit per-class thresholds on a validation split')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('--split', default='val', choices=SPLITS,
                        help='the dataloader whose split the thresholds are '
                        'fitted on (default: val)')
    parser.add_argument('--target-precision', type=float,
                        help='instead of the maximum F1 per class, the '
                        'lowest threshold whose precision reaches this')
    parser.add_argument('--default', type=float,
                        help="threshold of classes that cannot be fitted "
                        "(default: the model head's threshold, else 0.5)")
    parser.add_argument('--out', help='thresholds file (default: '
                        '<checkpoint without .pth>.thresholds.json)')
    parser.add_argument('--eval-split', choices=SPLITS,
                        help='report CF1 / OF1 of this split at the default '
                        'threshold and with the fitted thresholds')
    parser.add_argument('--work-dir', help='folder for the runs\' logs '
                        '(default: a temporary one)')
    add_cfg_options_arg(parser)
    args = parser.parse_args(argv)
    if not osp.isfile(args.checkpoint):
        parser.error(f'checkpoint {args.checkpoint!r} does not exist')
    if args.target_precision is not None and \
            not 0 < args.target_precision <= 1:
        parser.error(f'--target-precision {args.target_precision}: '
                     'expected a number in (0, 1]')
    if args.eval_split == args.split:
        parser.error(f'--eval-split {args.eval_split}: the thresholds are '
                     'fitted on that split; evaluate another one')
    return parser, args


def split_scores(cfg, checkpoint, split, work_dir):
    """[N, C] scores and targets of the model on ``<split>_dataloader``,
    and that dataset's config and class names."""
    cfg = copy.deepcopy(cfg)
    loader = cfg.get(f'{split}_dataloader')
    if loader is None:
        raise ValueError(f'the config has no {split}_dataloader')
    cfg.test_dataloader = loader
    cfg.test_evaluator = dict(type='AveragePrecision')  # replaced below
    cfg.test_cfg = cfg.get('test_cfg') or dict()
    cfg.load_from, cfg.resume = checkpoint, False
    cfg.work_dir = osp.join(work_dir, split)
    cfg.visualizer = dict(type='UniversalVisualizer', vis_backends=[])
    if cfg.get('runner_type') is None:
        cfg.runner_type = 'mmpretrain.PortableRunner'
    runner = RUNNERS.build(cfg)
    collect = CollectScores()
    runner.test_evaluator.metrics[:] = [collect]
    runner.test()
    classes = runner.test_dataloader.dataset.metainfo.get('classes')
    dataset_cfg = loader.dataset.to_dict() if hasattr(
        loader.dataset, 'to_dict') else dict(loader.dataset)
    return collect.scores, collect.targets, dataset_cfg, \
        [str(c) for c in classes]


def prf_table(rows):
    """Markdown table of PRF values (percent) per row."""
    lines = ['| thresholds | ' + ' | '.join(PRF_KEYS) + ' |',
             '|---|' + '---:|' * len(PRF_KEYS)]
    for name, values in rows:
        lines.append(f'| {name} | ' + ' | '.join(
            f'{values[k]:.2f}' for k in PRF_KEYS) + ' |')
    return '\n'.join(lines)


def main(argv=None):
    parser, args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        old_root = cfg.get('data_root')
        try:
            check_cfg_options(cfg, args.cfg_options)
            cfg.merge_from_dict(args.cfg_options)
        except (CfgOptionsError, KeyError, TypeError, ValueError) as err:
            parser.error(f'{err} (config {args.config!r})')
        follow_data_root(cfg, old_root)
    default = args.default
    if default is None:
        default = float((cfg.model.get('head') or {}).get('threshold', 0.5))
    out = args.out or thresholds_file_of(args.checkpoint)
    with tempfile.TemporaryDirectory() as tmp:
        work_dir = args.work_dir or tmp
        scores, targets, fit_on, classes = split_scores(
            cfg, args.checkpoint, args.split, work_dir)
        fitted = fit_class_thresholds(scores, targets, default=default,
                                      target_precision=args.target_precision)
        fit_on.pop('pipeline', None)
        save_class_thresholds(out, classes, fitted, fitted_on=fit_on,
                              fitted_on_loader=f'{args.split}_dataloader',
                              checkpoint=args.checkpoint)
        print(f'{len(classes)} per-class thresholds ({fitted["objective"]}) '
              f'fitted on {args.split}_dataloader ({scores.shape[0]} '
              f'images), written to {out}')
        for c, name in enumerate(classes):
            f1 = fitted['f1'][c]
            print(f'  {name:24s} {fitted["thresholds"][c]:.4f}' +
                  (f'  (F1 {100 * f1:.2f} on {args.split})'
                   if f1 is not None else '  (default)'))
        for key, what in (('no_positives', 'no positive in the split'),
                          ('unreachable', 'target precision out of reach')):
            if fitted[key]:
                print(f'kept the default {default:g} ({what}): ' +
                      ', '.join(classes[c] for c in fitted[key]))
        if args.eval_split is None:
            return fitted
        eval_loader = cfg.get(f'{args.eval_split}_dataloader')
        check_not_fitted_on(load_class_thresholds(out),
                            dict(eval_loader.dataset),
                            f'{args.eval_split}_dataloader')
        scores, targets, _, eval_classes = split_scores(
            cfg, args.checkpoint, args.eval_split, work_dir)
    table = dict(zip(classes, fitted['thresholds']))
    per_class = np.array([table.get(name, default) for name in eval_classes])
    rows = [(f'{default:g} for every class',
             precision_recall_f1(scores, targets, thr=default)),
            (f'per class, fitted on {args.split}',
             precision_recall_f1(scores, targets, thr=per_class))]
    print(f'\n{args.eval_split}_dataloader ({scores.shape[0]} images):')
    print(prf_table(rows))
    return dict(fitted, eval=dict(rows))


if __name__ == '__main__':
    main()
