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
from typing import Optional, Sequence

# check_utils.py lives next to this script.
from check_utils import check_images, print_class_table, report_problems
from mmpretrain_mlr.datasets import COCOMultiLabel


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check a COCO 2014 download: count the images of each '
        'split, report missing or unreadable image files and print the '
        'positive images per class. Exit status 1 when something is missing '
        'or broken.')
    parser.add_argument(
        'data_root',
        help='the COCO folder holding annotations/, train2014/, val2014/')
    parser.add_argument(
        '--splits',
        nargs='+',
        choices=('train', 'val'),
        default=['train', 'val'],
        help='splits to check (default: train val)')
    parser.add_argument(
        '--no-decode',
        action='store_true',
        help='only check that the image files exist; do not decode them '
        '(much faster)')
    parser.add_argument(
        '--workers',
        type=int,
        default=1,
        help='processes decoding images (default: 1)')
    return parser.parse_args(argv)


def check_split(data_root: str, split: str, decode: bool,
                workers: int) -> tuple:
    """Check one split; return (ok, class names, [C] positive counts)."""
    prefix = f'[{split}]'
    try:
        dataset = COCOMultiLabel(
            data_root,
            split=split,
            keep_empty_images=True,
            missing_images='unchecked',
            serialize_data=False)
    except (OSError, ValueError) as err:
        print(f'{prefix} error: {err}')
        return False, None, None
    full = dataset.full_labels
    paths = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    with_objects = int((full == 1).any(axis=1).sum())
    print(f'{prefix} {dataset.ann_file}: {len(paths)} images listed, '
          f'{with_objects} with at least one object, '
          f'{len(dataset.CLASSES)} categories')
    missing, unreadable = check_images(paths, decode, workers)
    found = len(paths) - len(missing)
    checked = 'found' if not decode else 'found and decoded'
    print(f'{prefix} {dataset.img_prefix}: {found} of {len(paths)} images '
          f'{checked}, {len(missing)} missing, {len(unreadable)} unreadable')
    report_problems(prefix, 'missing images', missing)
    report_problems(prefix, 'unreadable images', unreadable)
    ok = not missing and not unreadable
    return ok, dataset.CLASSES, (full == 1).sum(axis=0)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the check.

    Args:
        argv (Sequence[str], optional): Command-line arguments. Defaults to
            None (``sys.argv[1:]``).

    Returns:
        int: 0 when everything is present and readable, else 1.
    """
    args = parse_args(argv)
    all_ok, classes, counts = True, None, {}
    for split in args.splits:
        ok, split_classes, split_counts = check_split(
            args.data_root, split, not args.no_decode, args.workers)
        all_ok &= ok
        if split_counts is not None:
            classes = classes or split_classes
            counts[f'{split} pos'] = split_counts
    if counts:
        print('\nImages with a positive label, per class:')
        print_class_table(classes, counts)
    print('\nOK: all annotation files and images are present.' if all_ok else
          '\nFAILED: see the problems above.')
    return 0 if all_ok else 1


if __name__ == '__main__':
    sys.exit(main())
