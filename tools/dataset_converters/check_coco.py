"""Check a COCO 2014 download for training with COCOMultiLabel.

Reads ``annotations/instances_{train,val}2014.json``, counts the images of
each split (listed, with at least one object, found on disk), reports missing
or unreadable image files and prints the number of positive images per class.
Exits with status 1 when an annotation file or an image is missing or broken.

Example::

    python tools/dataset_converters/check_coco.py data/coco
    python tools/dataset_converters/check_coco.py data/coco --no-decode
"""
import argparse
import sys
from functools import partial
from typing import Optional, Sequence

# check_utils.py lives next to this script.
from check_utils import (add_common_arguments, check_split_images,
                         make_parser, run_splits)
from mmpretrain_mlr.datasets import COCOMultiLabel


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = make_parser(
        'Check a COCO 2014 download: count the images of each split, report '
        'missing or unreadable image files and print the positive images per '
        'class.')
    add_common_arguments(
        parser, ('train', 'val'),
        data_root_help='the COCO folder holding annotations/, train2014/, '
        'val2014/')
    return parser.parse_args(argv)


def check_split(args: argparse.Namespace, split: str) -> tuple:
    """Check one split of the COCO annotations and its images.

    Args:
        args (argparse.Namespace): With ``data_root``, ``no_decode`` and
            ``workers``.
        split (str): ``'train'`` or ``'val'``.

    Returns:
        tuple: ``(ok, class names, {title: [C] positive counts})``.
    """
    prefix = f'[{split}]'
    try:
        dataset = COCOMultiLabel(
            args.data_root,
            split=split,
            keep_empty_images=True,
            missing_images='unchecked',
            serialize_data=False)
    except (OSError, ValueError) as err:
        print(f'{prefix} error: {err}')
        return False, None, {}
    full = dataset.full_labels
    paths = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    with_objects = int((full == 1).any(axis=1).sum())
    print(f'{prefix} {dataset.ann_file}: {len(paths)} images listed, '
          f'{with_objects} with at least one object, '
          f'{len(dataset.CLASSES)} categories')
    ok = check_split_images(args, prefix, paths, dataset.img_prefix)
    return ok, dataset.CLASSES, {f'{split} pos': (full == 1).sum(axis=0)}


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Check the annotations and images of a COCO 2014 folder.

    Args:
        argv (Sequence[str], optional): The COCO folder and the options.
            Defaults to None (``sys.argv[1:]``).

    Returns:
        int: 0 when the annotation files and all images are present and
        readable, else 1.
    """
    args = parse_args(argv)
    return run_splits(args.splits, partial(check_split, args),
                      'Images with a positive label, per class:',
                      'all annotation files and images are present.')


if __name__ == '__main__':
    sys.exit(main())
