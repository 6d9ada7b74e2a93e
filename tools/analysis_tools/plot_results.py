"""Pictures of a model's results and of a run's pseudo-labels.

``predictions``: from a ``tools/test.py --out preds.pkl`` file, a per-class
AP bar chart sorted by AP with each class's prevalence
(``ap_per_class.png``), precision-recall curves of chosen classes
(``pr_curves.png``) and score histograms of the positives and negatives
(``score_histograms.png``). ``pseudo-labels``: from a run's
``scalars.json`` (or a work dir holding one), the pseudo-label numbers and
precision per epoch (``pseudo_labels.png``) that ``EpochSummaryHook``
logs for TRM-ML's head.

Examples::

    python tools/test.py CONFIG CKPT --out preds.pkl
    python tools/analysis_tools/plot_results.py predictions preds.pkl \\
        --config CONFIG --out-dir plots/
    python tools/analysis_tools/plot_results.py pseudo-labels \\
        work_dirs/demo/trm_ml_shapes --out-dir plots/
"""
import argparse
import glob
import json
import os.path as osp
import sys

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

PSEUDO_KEYS = ('pseudo_pos', 'pseudo_neg', 'pseudo_pos_precision',
               'pseudo_neg_precision', 'known_share')


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend."""
    try:
        import matplotlib
    except ImportError as err:
        raise SystemExit('plot_results.py needs matplotlib: pip install '
                         'matplotlib') from err
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    return plt


# ---------------------------------------------------------------- inputs
def load_predictions(path):
    """[N, C] scores and [N, C] targets ({+1, -1, 0 ignore}) of a
    ``tools/test.py --out`` pickle."""
    from mmengine.fileio import load

    from mmpretrain_mlr.evaluation.utils import sample_score_target
    samples = load(path)
    if not isinstance(samples, list) or not samples:
        raise SystemExit(f'{path}: expected the list of predicted data '
                         'samples that tools/test.py --out writes')
    pairs = [sample_score_target(s) for s in samples]
    scores = np.stack([p[0].numpy() for p in pairs])
    targets = np.stack([p[1].numpy() for p in pairs])
    return scores, targets


def class_names(args, num_classes):
    """Names from --classes-file, else the config's test vocabulary (model
    ``test_class_names`` / ``class_names``, else the test dataset's
    classes), else numbers."""
    import mmpretrain_mlr  # noqa: F401
    from mmpretrain_mlr.utils.vocabulary import resolve_class_names
    names = None
    if args.classes_file:
        names = resolve_class_names(args.classes_file, '--classes-file')
    elif args.config:
        from mmengine.config import Config
        cfg = Config.fromfile(args.config)
        spec = (cfg.model.get('test_class_names')
                or cfg.model.get('class_names')
                or cfg.test_dataloader.dataset.get('classes'))
        if spec:
            names = resolve_class_names(spec, 'class names')
    if names is None:
        return [f'class {i}' for i in range(num_classes)]
    if len(names) != num_classes:
        raise SystemExit(f'{len(names)} class names but the predictions '
                         f'score {num_classes} classes')
    return names


def pseudo_label_rows(path):
    """Rows of ``scalars.json`` holding pseudo-label figures, by epoch."""
    if osp.isdir(path):
        found = sorted(glob.glob(osp.join(path, '**', 'scalars.json'),
                                 recursive=True))
        if not found:
            raise SystemExit(f'{path}: no */vis_data/scalars.json below it')
        path = found[-1]  # the newest run
    if not osp.isfile(path):
        raise SystemExit(f'{path}: expected a scalars.json file or a work '
                         'dir holding one')
    rows = {}
    with open(path) as f:
        for line in f:
            row = json.loads(line)
            figures = {k.split('/', 1)[-1]: v for k, v in row.items()
                       if k.split('/', 1)[-1] in PSEUDO_KEYS}
            if figures:
                rows.setdefault(int(row['step']), {}).update(figures)
    if not rows:
        raise SystemExit(f'{path}: no pseudo-label figures ('
                         + ', '.join(f'train/{k}' for k in PSEUDO_KEYS)
                         + '); the run needs a head that reports them and '
                         'EpochSummaryHook')
    return path, [dict(epoch=e, **rows[e]) for e in sorted(rows)]


# ---------------------------------------------------------------- figures
def precision_recall(scores, targets):
    """Precision and recall along the ranking of one class's scores
    (ignored entries left out)."""
    kept = targets != 0
    scores, positives = scores[kept], targets[kept] == 1
    order = np.argsort(-scores, kind='stable')
    hits = np.cumsum(positives[order])
    precision = hits / np.arange(1, hits.size + 1)
    recall = hits / max(1, positives.sum())
    return precision, recall


def plot_ap_per_class(plt, names, aps, prevalence, out):
    order = np.argsort(np.nan_to_num(aps, nan=-1.))
    fig, ax = plt.subplots(figsize=(max(6, 0.3 * len(names)), 4.5))
    x = np.arange(len(names))
    ax.bar(x, np.nan_to_num(aps[order]), color='tab:blue', label='AP')
    ax.set_ylabel('AP (%)')
    ax.set_ylim(0, 100)
    ax.set_xticks(x)
    ax.set_xticklabels([names[i] for i in order], rotation=60, ha='right',
                       fontsize=8)
    twin = ax.twinx()
    twin.plot(x, 100 * prevalence[order], 'o', color='tab:orange',
              label='prevalence')
    twin.set_ylabel('prevalence (% of images)')
    twin.set_ylim(0, max(1., 100 * prevalence.max()) * 1.1)
    ax.set_title('Per-class AP, lowest first (dots: prevalence)')
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def plot_pr_curves(plt, names, scores, targets, chosen, out):
    fig, ax = plt.subplots(figsize=(5.5, 4.5))
    for c in chosen:
        precision, recall = precision_recall(scores[:, c], targets[:, c])
        ax.plot(recall, precision, label=names[c])
    ax.set_xlabel('recall')
    ax.set_ylabel('precision')
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.legend(fontsize=8)
    ax.set_title('Precision-recall')
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def plot_score_histograms(plt, scores, targets, out):
    fig, ax = plt.subplots(figsize=(5.5, 4))
    bins = np.linspace(scores.min(), scores.max(), 41)
    ax.hist(scores[targets == -1], bins=bins, alpha=0.6, density=True,
            label=f'negatives ({int((targets == -1).sum())})')
    ax.hist(scores[targets == 1], bins=bins, alpha=0.6, density=True,
            label=f'positives ({int((targets == 1).sum())})')
    ax.set_xlabel('score')
    ax.set_ylabel('density')
    ax.legend()
    ax.set_title('Scores of positive and negative entries')
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def plot_pseudo_labels(plt, rows, out):
    epochs = [r['epoch'] for r in rows]
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    for key, label in (('pseudo_pos', 'pseudo-positives'),
                       ('pseudo_neg', 'pseudo-negatives')):
        if any(key in r for r in rows):
            left.plot(epochs, [r.get(key, np.nan) for r in rows], 'o-',
                      label=label)
    left.set_xlabel('epoch')
    left.set_ylabel('entries relabelled')
    left.legend()
    for key, label in (('pseudo_pos_precision', 'pseudo-positives'),
                       ('pseudo_neg_precision', 'pseudo-negatives'),
                       ('known_share', 'known share of entries')):
        if any(key in r for r in rows):
            right.plot(epochs, [r.get(key, np.nan) for r in rows], 'o-',
                       label=label)
    right.set_xlabel('epoch')
    right.set_ylabel('precision against the full labels')
    right.set_ylim(0, 1.02)
    right.legend()
    fig.suptitle('Pseudo-labels per epoch')
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


# ---------------------------------------------------------------- commands
def run_predictions(args):
    from mmengine.utils import mkdir_or_exist

    from mmpretrain_mlr.evaluation import per_class_average_precision
    scores, targets = load_predictions(args.predictions)
    names = class_names(args, scores.shape[1])
    aps = 100 * per_class_average_precision(scores, targets, args.convention)
    prevalence = (targets == 1).mean(axis=0)
    if args.pr_classes:
        wanted = [n.strip() for n in args.pr_classes.split(',')]
        missing = [n for n in wanted if n not in names]
        if missing:
            raise SystemExit(f'--pr-classes: {missing} are not among the '
                             f'classes ({names[:5]}...)')
        chosen = [names.index(n) for n in wanted]
    else:  # the two lowest and the two highest APs
        ranked = [int(i) for i in np.argsort(np.nan_to_num(aps, nan=-1.))
                  if not np.isnan(aps[i])]
        chosen = sorted(set(ranked[:2] + ranked[-2:]))
    mkdir_or_exist(args.out_dir)
    plt = pyplot()
    outs = [osp.join(args.out_dir, name) for name in (
        'ap_per_class.png', 'pr_curves.png', 'score_histograms.png')]
    plot_ap_per_class(plt, names, aps, prevalence, outs[0])
    plot_pr_curves(plt, names, scores, targets, chosen, outs[1])
    plot_score_histograms(plt, scores, targets, outs[2])
    return outs


def run_pseudo_labels(args):
    from mmengine.utils import mkdir_or_exist
    path, rows = pseudo_label_rows(args.log)
    mkdir_or_exist(args.out_dir)
    out = osp.join(args.out_dir, 'pseudo_labels.png')
    plot_pseudo_labels(pyplot(), rows, out)
    return [out]


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    pred = sub.add_parser('predictions',
                          help='per-class AP, PR curves, score histograms')
    pred.add_argument('predictions', help='tools/test.py --out .pkl file')
    names = pred.add_mutually_exclusive_group()
    names.add_argument('--config', help='config naming the classes')
    names.add_argument('--classes-file', help='one class name per line')
    pred.add_argument('--convention', default='mmpretrain',
                      choices=['mmpretrain', 'ssgrl', 'zsl'])
    pred.add_argument('--pr-classes',
                      help='comma-separated classes of the PR curves '
                      '(default: the two lowest and two highest APs)')
    pred.add_argument('--out-dir', default='.')
    pseudo = sub.add_parser('pseudo-labels',
                            help='pseudo-label numbers and precision')
    pseudo.add_argument('log', help="a run's scalars.json or its work dir")
    pseudo.add_argument('--out-dir', default='.')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    run = run_predictions if args.command == 'predictions' \
        else run_pseudo_labels
    for out in run(args):
        print(f'wrote {out}')


if __name__ == '__main__':
    main()
