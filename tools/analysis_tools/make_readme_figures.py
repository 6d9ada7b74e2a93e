"""Write the README's pictures from the TRM-ML shapes demo.

One command trains the demo with the stock tools (or reuses its
checkpoint), tests it, and draws:

- ``demo_predictions.png``: validation scenes with the labels the model
  predicts, their scores and one heatmap per predicted class (the
  ``MultiLabelInferencer``'s output, drawn by its own heatmap drawing),
  next to the ground truth;
- ``ap_per_class.png``: the per-class AP chart of
  ``tools/analysis_tools/plot_results.py predictions``;
- ``training_curves.png``: the training loss, the validation mAP and the
  pseudo-labels' numbers and precision per epoch, from the run's
  ``scalars.json``;
- ``shapes_scene.png``: one validation scene at its own size, an image to
  try ``tools/infer.py`` on.

Usage::

    python tools/analysis_tools/make_readme_figures.py
    # the defaults
    python tools/analysis_tools/make_readme_figures.py \\
        --out-dir docs/_static --work-dir work_dirs/readme_figures

The PNGs are written with a reduced palette so that each stays in the tens
of kB. A second call reuses the trained checkpoint; ``--retrain`` trains
again.
"""
import argparse
import glob
import json
import os
import os.path as osp
import shutil
import subprocess
import sys

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

CONFIG = 'configs/demo/trm_ml_shapes.py'
# Validation scenes shown in the grid (indices into the demo's val split).
NUM_SCENES = 4


def run_tool(args, log):
    """Run ``python <args>`` from the repository root; stop with its log's
    tail on failure."""
    print('$ python ' + ' '.join(args), flush=True)
    with open(log, 'w') as f:
        proc = subprocess.run([sys.executable] + args, cwd=REPO_ROOT,
                              stdout=f, stderr=subprocess.STDOUT)
    if proc.returncode:
        with open(log) as f:
            tail = f.read()[-3000:]
        raise SystemExit(f'{args[0]} failed (exit {proc.returncode}); the '
                         f'end of {log}:\n{tail}')


def save_small_png(fig_or_array, path, colors=96):
    """Save a matplotlib figure or an RGB array as a palette PNG.

    Args:
        fig_or_array: a ``matplotlib.figure.Figure`` or [H, W, 3] uint8.
        path (str): the PNG to write.
        colors (int): palette size.
    """
    from PIL import Image
    if isinstance(fig_or_array, np.ndarray):
        image = Image.fromarray(fig_or_array)
    else:
        fig_or_array.canvas.draw()
        image = Image.fromarray(
            np.asarray(fig_or_array.canvas.buffer_rgba())[..., :3])
    image = image.quantize(colors=colors, method=Image.Quantize.MEDIANCUT)
    image.save(path, optimize=True)
    print(f'wrote {path} ({osp.getsize(path) / 1024:.0f} kB)')


def plot_results_module():
    """``tools/analysis_tools/plot_results.py`` as a module."""
    import importlib.util
    path = osp.join(REPO_ROOT, 'tools', 'analysis_tools', 'plot_results.py')
    spec = importlib.util.spec_from_file_location('plot_results', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ------------------------------------------------------------ training
def last_checkpoint(work_dir):
    """The checkpoint mmengine's ``last_checkpoint`` file names, if any."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        path = f.read().strip()
    return path if osp.isfile(path) else None


def train_and_test(work_dir, retrain, cfg_options=()):
    """Train the demo (unless a finished run is in ``work_dir``) and test
    its last checkpoint.

    Returns:
        tuple: the checkpoint and the ``tools/test.py --out`` pickle.
    """
    if retrain and osp.isdir(work_dir):
        shutil.rmtree(work_dir)
    os.makedirs(work_dir, exist_ok=True)
    options = ['--cfg-options', *cfg_options] if cfg_options else []
    checkpoint = last_checkpoint(work_dir)
    if checkpoint is None:
        run_tool(['tools/train.py', CONFIG, '--work-dir', work_dir]
                 + options, osp.join(work_dir, 'train.log'))
        checkpoint = last_checkpoint(work_dir)
    preds = osp.join(work_dir, 'preds.pkl')
    run_tool(['tools/test.py', CONFIG, checkpoint, '--work-dir',
              osp.join(work_dir, 'test'), '--out', preds] + options,
             osp.join(work_dir, 'test.log'))
    return checkpoint, preds


def scalars_file(work_dir):
    """The training run's ``scalars.json`` (the newest under the work dir,
    the test run's excluded)."""
    found = [p for p in glob.glob(osp.join(work_dir, '*', 'vis_data',
                                           'scalars.json'))]
    if not found:
        raise SystemExit(f'{work_dir}: no */vis_data/scalars.json; was the '
                         'demo trained there?')
    return sorted(found)[-1]


# ------------------------------------------------------------ pictures
def prediction_grid(checkpoint, out, cfg_options=None,
                    num_scenes=NUM_SCENES):
    """Val scenes, predicted labels with scores and per-class heatmaps."""
    import matplotlib.pyplot as plt
    from mmengine.config import Config
    from mmpretrain.registry import DATASETS

    import mmpretrain_mlr  # noqa: F401
    from mmpretrain_mlr.apis import MultiLabelInferencer
    from mmpretrain_mlr.apis.heatmap_drawing import draw_labels_and_heatmaps
    from mmpretrain_mlr.datasets.shapes import render_shapes

    cfg = Config.fromfile(osp.join(REPO_ROOT, CONFIG))
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    dataset = DATASETS.build(cfg.test_dataloader.dataset)
    classes = dataset.metainfo['classes']
    # the first val scenes holding two or three objects
    chosen, images, truths = [], [], []
    for idx in range(len(dataset)):
        info = dataset.get_data_info(idx)
        truth = sorted({classes[k] for k in info['gt_label']})
        if 2 <= len(truth) <= 3:
            chosen.append(idx)
            truths.append(truth)
            images.append(render_shapes(info['objects'], info['background'],
                                        dataset.image_size))  # BGR
        if len(chosen) == num_scenes:
            break
    inferencer = MultiLabelInferencer(cfg, checkpoint, device='cpu')
    results = inferencer(images, heatmaps=True)
    rows = []
    for image, result in zip(images, results):
        names = result['labels']
        maps = (np.stack([result['heatmaps'][n] for n in names])
                if names else None)
        rows.append(draw_labels_and_heatmaps(
            image[..., ::-1], names, [result['scores'][n] for n in names],
            maps))
    width = max(r.shape[1] for r in rows)
    fig, axes = plt.subplots(len(rows), 1,
                             figsize=(width / 128, 2.35 * len(rows)))
    for ax, row, truth, idx in zip(np.atleast_1d(axes), rows, truths,
                                   chosen):
        padded = np.full((row.shape[0], width, 3), 255, np.uint8)
        padded[:, :row.shape[1]] = row
        ax.imshow(padded)
        ax.set_axis_off()
        ax.set_title(f'val scene {idx}; ground truth: ' + ', '.join(truth),
                     fontsize=9, loc='left')
    thr = getattr(inferencer.model.head, 'threshold', 0.5)
    fig.suptitle(f'TRM-ML, shapes demo: labels scoring >= {thr:g} and '
                 'where each one attends', fontsize=9)
    fig.tight_layout()
    save_small_png(fig, out, colors=64)
    plt.close(fig)
    return images[0]


def ap_chart(preds, out, tmp_dir):
    """The stock per-class AP chart of ``plot_results.py``."""
    run_tool(['tools/analysis_tools/plot_results.py', 'predictions', preds,
              '--config', CONFIG, '--out-dir', tmp_dir],
             osp.join(tmp_dir, 'plot_results.log'))
    from PIL import Image
    image = np.asarray(
        Image.open(osp.join(tmp_dir, 'ap_per_class.png')).convert('RGB'))
    save_small_png(image, out, colors=32)


def training_curves(scalars, out):
    """Loss per epoch, val mAP per epoch, pseudo-label numbers and
    precision per epoch."""
    import matplotlib.pyplot as plt

    pseudo_label_rows = plot_results_module().pseudo_label_rows
    losses, maps = {}, {}
    with open(scalars) as f:
        for line in f:
            row = json.loads(line)
            if 'loss' in row and 'epoch' in row:
                for key, value in row.items():
                    if key.startswith('loss'):
                        losses.setdefault(key, {}).setdefault(
                            row['epoch'], []).append(value)
            for key in ('multi-label/mAP', 'mAP'):
                if key in row:
                    maps[int(row['step'])] = row[key]
    _, pseudo = pseudo_label_rows(scalars)
    fig, axes = plt.subplots(1, 3, figsize=(11, 3.1))
    for key in sorted(losses):
        epochs = sorted(losses[key])
        axes[0].plot(epochs, [np.mean(losses[key][e]) for e in epochs],
                     'o-' if key == 'loss' else '.-', label=key,
                     lw=2 if key == 'loss' else 1)
    axes[0].set_xlabel('epoch')
    axes[0].set_ylabel('mean training loss')
    axes[0].set_yscale('log')
    axes[0].legend(fontsize=7)
    epochs = sorted(maps)
    axes[1].plot(epochs, [maps[e] for e in epochs], 'o-')
    axes[1].set_xlabel('epoch')
    axes[1].set_ylabel('val mAP (%)')
    epochs = [r['epoch'] for r in pseudo]
    left = axes[2]
    right = left.twinx()
    for key, label, style in (('pseudo_pos', 'pseudo-positives', 'o-'),
                              ('pseudo_neg', 'pseudo-negatives', 's-')):
        left.plot(epochs, [r.get(key, np.nan) for r in pseudo], style,
                  label=label)
    for key, label, style in (
            ('pseudo_pos_precision', 'precision of pseudo-positives', 'o--'),
            ('pseudo_neg_precision', 'precision of pseudo-negatives', 's--')):
        values = np.array([r.get(key, np.nan) for r in pseudo], float)
        if np.nanmax(np.append(values, 0)) <= 1:  # a fraction, not a %
            values = 100 * values
        right.plot(epochs, values,
                   style, color='tab:green' if 'pos' in key else 'tab:red',
                   label=label, lw=2, zorder=3)
    left.set_xlabel('epoch')
    left.set_ylabel('unknown entries pseudo-labelled')
    right.set_ylabel('precision vs full labels (%)')
    right.set_ylim(90, 101)
    handles = (left.get_legend_handles_labels()[0]
               + right.get_legend_handles_labels()[0])
    labels = (left.get_legend_handles_labels()[1]
              + right.get_legend_handles_labels()[1])
    left.legend(handles, labels, fontsize=7, loc='center right')
    from matplotlib.ticker import MaxNLocator
    for ax in axes:
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.suptitle('TRM-ML on the shapes demo (p = 0.5): loss terms, '
                 'validation mAP, pseudo-labels', fontsize=10)
    fig.tight_layout()
    save_small_png(fig, out, colors=48)
    plt.close(fig)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--out-dir', default='docs/_static',
                        help='where the PNGs go (default: docs/_static)')
    parser.add_argument('--work-dir', default='work_dirs/readme_figures',
                        help='the demo run, its test and scratch files')
    parser.add_argument('--retrain', action='store_true',
                        help='train again even if the checkpoint exists')
    parser.add_argument(
        '--cfg-options', nargs='+', default=[], metavar='KEY=VALUE',
        help='overrides for training, testing and inference (a quick '
        'check of this script: model.clip.pretrained=None '
        'train_cfg.max_epochs=2)')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out_dir = osp.join(REPO_ROOT, args.out_dir)
    work_dir = osp.join(REPO_ROOT, args.work_dir)
    os.makedirs(out_dir, exist_ok=True)
    checkpoint, preds = train_and_test(work_dir, args.retrain,
                                       args.cfg_options)
    tmp_dir = osp.join(work_dir, 'plots')
    os.makedirs(tmp_dir, exist_ok=True)
    cfg_options = None
    if args.cfg_options:
        from mmengine.config import DictAction
        cfg_options = {}
        for pair in args.cfg_options:
            key, value = pair.split('=', 1)
            cfg_options[key] = DictAction._parse_iterable(value)
    scene = prediction_grid(checkpoint,
                            osp.join(out_dir, 'demo_predictions.png'),
                            cfg_options)
    import mmcv
    mmcv.imwrite(scene, osp.join(out_dir, 'shapes_scene.png'))
    print(f"wrote {osp.join(out_dir, 'shapes_scene.png')}")
    ap_chart(preds, osp.join(out_dir, 'ap_per_class.png'), tmp_dir)
    training_curves(scalars_file(work_dir),
                    osp.join(out_dir, 'training_curves.png'))


if __name__ == '__main__':
    main()
