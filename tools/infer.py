"""Labels, scores and per-class heatmaps of images from a checkpoint.

The model is a config file or a model-index name (``mmpretrain.list_models``,
e.g. ``trm-ml_shapes-clip_shapes-partial``); the checkpoint follows it or is
given with ``--checkpoint``; for a name without one, the newest readable
checkpoint of the config's default work directory is used. Inputs are image
files, folders (their images, recursively) and globs. Each image's labels
are listed best first. Per-class thresholds stored beside the checkpoint
(``tools/analysis_tools/fit_thresholds.py``) are applied unless ``--thr`` /
``--topk`` is given; the tool says which thresholds it applies. A
prompt-based model scores any vocabulary (``--classes`` /
``--classes-file``) besides the one it was trained on, when its prompts are
not per-class contexts (fixed templates, shared CoOp / DualCoOp contexts).
Every argument is checked before anything is loaded.

Examples::

    python tools/infer.py trm-ml_shapes-clip_shapes-partial images/
    python tools/infer.py CONFIG CKPT images/ --out preds.json --show-dir vis/
    python tools/infer.py CONFIG CKPT a.jpg b.jpg --topk 3 --out preds.csv
    python tools/infer.py CONFIG CKPT 'scenes/*.png' \\
        --classes "red circle,green square" --thr 0.4
"""
import argparse
import csv
import glob
import json
import math
import os
import os.path as osp
import sys

REPO_ROOT = osp.dirname(osp.dirname(osp.abspath(__file__)))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

import mmpretrain_mlr  # noqa: E402,F401  registries + checkpoint loader
from mmengine.utils import ProgressBar, mkdir_or_exist  # noqa: E402

from mmpretrain_mlr.apis import MultiLabelInferencer  # noqa: E402
from mmpretrain_mlr.apis.multi_label_inferencer import (  # noqa: E402
    check_threshold, resolve_model, score_range)
from mmpretrain_mlr.utils.cfg_options import (  # noqa: E402
    CfgOptionsError, add_cfg_options_arg, check_cfg_options)
from mmpretrain_mlr.utils.resume_checkpoint import (  # noqa: E402
    checkpoint_problem, find_resumable_checkpoint)
from mmpretrain_mlr.utils.vocabulary import resolve_class_names  # noqa: E402
from mmpretrain_mlr.utils.work_dirs import default_work_dir  # noqa: E402

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
CHECKPOINT_SUFFIXES = ('.pth', '.pt', '.ckpt')


def parse_args(argv=None):
    """Build the command line and parse ``argv`` (default: ``sys.argv``)."""
    parser = argparse.ArgumentParser(
        description='Multi-label inference on images')
    parser.add_argument('model',
                        help='config file, or a model-index name '
                        '(mmpretrain.list_models())')
    parser.add_argument('inputs', nargs='+',
                        help='[checkpoint] then image files, folders or '
                        'globs')
    parser.add_argument('--checkpoint',
                        help='checkpoint file (or give it after the model); '
                        'default for a model name: the newest readable '
                        'checkpoint in its work_dirs/<folder>/<config name>')
    vocab = parser.add_mutually_exclusive_group()
    vocab.add_argument('--classes',
                       help='vocabulary to score, comma-separated names')
    vocab.add_argument('--classes-file',
                       help='vocabulary to score, one name per line')
    select = parser.add_mutually_exclusive_group()
    select.add_argument('--thr', type=float,
                        help='one score from which a class is a label, in '
                        "the head's score range (default: the checkpoint's "
                        "per-class thresholds file if any, else the head's "
                        'threshold)')
    select.add_argument('--topk', type=int,
                        help='the k best classes are the labels')
    select.add_argument('--thresholds',
                        help='per-class thresholds file (default: the one '
                        'beside the checkpoint, if any)')
    parser.add_argument('--out', help='results file, .json or .csv')
    parser.add_argument('--show-dir',
                        help='folder for one picture per image: labels, '
                        'scores and per-class heatmaps of dense heads')
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--device', default='cpu')
    add_cfg_options_arg(parser)
    args = parser.parse_args(argv)
    if args.checkpoint is None and args.inputs[0].endswith(
            CHECKPOINT_SUFFIXES):
        args.checkpoint, args.inputs = args.inputs[0], args.inputs[1:]
        if not args.inputs:
            parser.error('no input images after the checkpoint')
    check_plain_args(parser, args)
    return parser, args


def writable_folder_problem(folder):
    """Why files cannot be written in ``folder`` (made if missing), or
    None."""
    folder = osp.abspath(folder)
    existing = folder
    while not osp.exists(existing):
        existing = osp.dirname(existing)
    if not osp.isdir(existing):
        return f'{existing!r} is a file, not a folder'
    if not os.access(existing, os.W_OK | os.X_OK):
        return f'{existing!r} is not writable'
    return None


def check_plain_args(parser, args):
    """Checks that need nothing loaded: numbers, output places, files."""
    if args.thr is not None and not math.isfinite(args.thr):
        parser.error(f'--thr {args.thr}: expected a finite number')
    if args.topk is not None and args.topk < 1:
        parser.error(f'--topk {args.topk}: expected at least 1')
    if args.batch_size < 1:
        parser.error(f'--batch-size {args.batch_size}: expected at least 1')
    if args.out:
        if osp.splitext(args.out)[1] not in ('.json', '.csv'):
            parser.error(f'--out {args.out!r}: expected a .json or .csv file')
        if osp.isdir(args.out):
            parser.error(f'--out {args.out!r} is a folder; expected a file')
        problem = writable_folder_problem(osp.dirname(osp.abspath(args.out)))
        if problem:
            parser.error(f'--out {args.out!r}: cannot write there: {problem}')
    if args.show_dir:
        problem = writable_folder_problem(args.show_dir)
        if problem:
            parser.error(f'--show-dir {args.show_dir!r}: cannot write there: '
                         f'{problem}')
    for path, what in ((args.checkpoint, 'checkpoint'),
                       (args.thresholds, '--thresholds file'),
                       (args.classes_file, '--classes-file')):
        if path is not None and not osp.isfile(path):
            parser.error(f'{what} {path!r} does not exist or is not a file')
    if args.checkpoint is not None:
        problem = checkpoint_problem(args.checkpoint)
        if problem:
            parser.error(f'checkpoint {args.checkpoint!r} is unreadable '
                         f'({problem})')


def vocabulary_size(cfg, args):
    """How many classes the model will score, from the arguments or the
    config (None if that needs the model)."""
    if args.classes:
        return len([n for n in args.classes.split(',') if n.strip()])
    specs = [args.classes_file] if args.classes_file else [
        cfg.model.get(field) for field in ('test_class_names', 'class_names')]
    for spec in specs:
        if spec is None:
            continue
        try:
            return len(resolve_class_names(spec))
        except (ValueError, OSError, KeyError, TypeError):
            return None
    head = cfg.model.get('head') or {}
    return head.get('num_classes')


def check_model_args(parser, cfg, args):
    """Checks against the config, before the model is built: the
    threshold within the head's score range, top-k within the
    vocabulary."""
    if args.thr is not None:
        try:
            check_threshold(args.thr, score_range(cfg.model))
        except ValueError as err:
            parser.error(f'--thr: {err} of {args.model!r}')
    if args.topk is not None:
        size = vocabulary_size(cfg, args)
        if size is not None and args.topk > size:
            parser.error(f'--topk {args.topk}: the vocabulary has {size} '
                         f'classes; expected 1 to {size}')


def find_checkpoint(parser, cfg, args, weights):
    """The checkpoint to load: given, the model index's, or the newest
    readable one of the config's default work directory."""
    if args.checkpoint is not None:
        return args.checkpoint
    if weights:
        return weights
    filename = getattr(cfg, 'filename', None)
    work_dir = default_work_dir(filename) if filename else None
    found = find_resumable_checkpoint(work_dir) if work_dir else None
    if found is None:
        parser.error(f'{args.model!r}: no checkpoint given, the model index '
                     f'names none, and {work_dir!r} holds none; give one '
                     'after the model or with --checkpoint')
    print(f'checkpoint: {found} (the newest in {work_dir})')
    return found


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
    try:
        cfg, weights = resolve_model(args.model)
    except (FileNotFoundError, ValueError) as err:
        parser.error(str(err))
    if args.cfg_options:
        try:
            check_cfg_options(cfg, args.cfg_options)
            cfg.merge_from_dict(args.cfg_options)
        except (CfgOptionsError, KeyError, TypeError, ValueError) as err:
            parser.error(f'{err} (config {args.model!r})')
    check_model_args(parser, cfg, args)
    images = list_images(parser, args.inputs)
    checkpoint = find_checkpoint(parser, cfg, args, weights)
    classes = None
    if args.classes:
        classes = [n.strip() for n in args.classes.split(',') if n.strip()]
    elif args.classes_file:
        classes = args.classes_file
    try:
        inferencer = MultiLabelInferencer(
            cfg, checkpoint, device=args.device, classes=classes,
            thresholds=args.thresholds or 'auto')
    except ValueError as err:
        parser.error(str(err))
    if args.topk is not None:
        print(f'labels: the {args.topk} best classes of each image')
    elif args.thr is not None:
        print(f'thresholds: {args.thr:g} for every class (--thr)')
    else:
        print(f'thresholds: {inferencer.thresholds_applied}')
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
        for image, res in zip(images, results):  # labels best first
            print(f'{image}: ' + (', '.join(
                f'{n} {res["scores"][n]:.3f}' for n in res['labels'])
                or '(no label)'))


if __name__ == '__main__':
    main()
