"""Labels, scores and per-class heatmaps of images from a checkpoint.

Inputs are image files, folders (their images, recursively) and globs. A
prompt-based model scores any vocabulary (``--classes`` / ``--classes-file``)
besides the one it was trained on, when its prompts are not per-class
contexts (fixed templates, shared CoOp / DualCoOp contexts).

Examples::

    python tools/infer.py CONFIG CKPT images/ --out preds.json --show-dir vis/
    python tools/infer.py CONFIG CKPT a.jpg b.jpg --topk 3 --out preds.csv
    python tools/infer.py CONFIG CKPT 'scenes/*.png' \\
        --classes "red circle,green square" --thr 0.4
"""
import argparse
import csv
import glob
import json
import os
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import mmpretrain_mlr  # noqa: E402,F401  registries + checkpoint loader
from mmengine.config import Config  # noqa: E402
from mmengine.utils import ProgressBar, mkdir_or_exist  # noqa: E402

from mmpretrain_mlr.apis import MultiLabelInferencer  # noqa: E402
from mmpretrain_mlr.utils.cfg_options import (  # noqa: E402
    CfgOptionsError, add_cfg_options_arg, check_cfg_options)

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')


def parse_args(argv=None):
    """Build the command line and parse ``argv`` (default: ``sys.argv``)."""
    parser = argparse.ArgumentParser(
        description='Multi-label inference on images')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help='checkpoint file')
    parser.add_argument('inputs', nargs='+',
                        help='image files, folders or globs')
    vocab = parser.add_mutually_exclusive_group()
    vocab.add_argument('--classes',
                       help='vocabulary to score, comma-separated names')
    vocab.add_argument('--classes-file',
                       help='vocabulary to score, one name per line')
    select = parser.add_mutually_exclusive_group()
    select.add_argument('--thr', type=float,
                        help="score from which a class is a label (default: "
                        "the head's threshold)")
    select.add_argument('--topk', type=int,
                        help='the k best classes are the labels')
    parser.add_argument('--out', help='results file, .json or .csv')
    parser.add_argument('--show-dir',
                        help='folder for one picture per image: labels, '
                        'scores and per-class heatmaps of dense heads')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cpu')
    add_cfg_options_arg(parser)
    args = parser.parse_args(argv)
    if args.out and osp.splitext(args.out)[1] not in ('.json', '.csv'):
        parser.error(f'--out {args.out!r}: expected a .json or .csv file')
    for path, what in ((args.config, 'config file'),
                       (args.checkpoint, 'checkpoint')):
        if not osp.isfile(path):
            parser.error(f'{what} {path!r} does not exist or is not a file')
    return parser, args


def list_images(parser, inputs):
    """Image files of the command line's files, folders and globs."""
    images = []
    for item in inputs:
        if osp.isdir(item):
            found = sorted(
                osp.join(root, name) for root, _, names in os.walk(item)
                for name in names if name.lower().endswith(IMAGE_SUFFIXES))
        elif osp.isfile(item):
            found = [item]
        else:
            found = sorted(p for p in glob.glob(item, recursive=True)
                           if osp.isfile(p))
        if not found:
            parser.error(f'input {item!r}: no image file there')
        images += found
    return images


def write_results(path, images, results, classes):
    """Write one entry per image to a .json or .csv file."""
    mkdir_or_exist(osp.dirname(osp.abspath(path)))
    if path.endswith('.json'):
        rows = [dict(image=image, labels=res['labels'], scores=res['scores'])
                for image, res in zip(images, results)]
        with open(path, 'w') as f:
            json.dump(rows, f, indent=1)
        return
    with open(path, 'w', newline='') as f:
        writer = csv.writer(f)
        writer.writerow(['image', 'labels'] + list(classes))
        for image, res in zip(images, results):
            writer.writerow([image, ';'.join(res['labels'])] +
                            [f'{res["scores"][c]:.6f}' for c in classes])


def main(argv=None):
    parser, args = parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        try:
            check_cfg_options(cfg, args.cfg_options)
            cfg.merge_from_dict(args.cfg_options)
        except (CfgOptionsError, KeyError, TypeError, ValueError) as err:
            parser.error(f'{err} (config {args.config!r})')
    classes = None
    if args.classes:
        classes = [n.strip() for n in args.classes.split(',') if n.strip()]
    elif args.classes_file:
        classes = args.classes_file
    images = list_images(parser, args.inputs)
    try:
        inferencer = MultiLabelInferencer(cfg, args.checkpoint,
                                          device=args.device,
                                          classes=classes)
    except ValueError as err:
        parser.error(str(err))
    heatmaps = bool(args.show_dir) and callable(
        getattr(getattr(inferencer.model, 'head', None), 'class_heatmaps',
                None))
    if args.show_dir:
        mkdir_or_exist(args.show_dir)
    results = []
    progress = ProgressBar(len(images))
    for start in range(0, len(images), args.batch_size):
        chunk = images[start:start + args.batch_size]
        results += inferencer(chunk, batch_size=args.batch_size,
                              thr=args.thr, topk=args.topk,
                              heatmaps=heatmaps, show_dir=args.show_dir)
        for _ in chunk:
            progress.update()
    print()
    if args.out:
        write_results(args.out, images, results, inferencer.classes)
        print(f'{len(results)} results written to {args.out}')
    else:
        for image, res in zip(images, results):
            print(f'{image}: ' + ', '.join(
                f'{n} {res["scores"][n]:.3f}' for n in res['labels']))


if __name__ == '__main__':
    main()
