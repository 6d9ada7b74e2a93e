"""Check a NUS-WIDE download for NUSWIDEMultiLabel / NUSWIDEZeroShot.

For each split (``train``, ``test``), reads the image list and the labels the
loader reads, counts the listed images (the official lists hold 161,789 and
107,859), how many have no positive concept (``drop_unlabeled=True`` drops
them), reports missing or unreadable images and prints per class the number
of positive images. With ``--zero-shot`` the 1,006 classes of the zero-shot
split (925 tags, then 81 concepts) are read and counted instead. Exits with
status 1 when a file is missing or broken; many Flickr images are no longer
available, and ``missing_images='skip'`` trains without them.

Also holds :func:`check_split` and :func:`run`, which
``check_visual_genome.py`` and ``check_cub.py`` import as a sibling module.

Example::

    python tools/dataset_converters/check_nus_wide.py data/nus_wide
    python tools/dataset_converters/check_nus_wide.py data/nus_wide \\
        --zero-shot --tag-labels-file NUS_WID_Tags/AllTags1k.txt \\
        --tag-image-list ImageList/Imagelist.txt --no-decode
"""
import argparse
import os.path as osp
import sys
from typing import Callable, Optional, Sequence

import mmpretrain_mlr  # noqa: F401  (registers the datasets)
from check_utils import check_images, print_class_table, report_problems
from mmpretrain_mlr.datasets import NUSWIDEMultiLabel, NUSWIDEZeroShot

# Lines of the official ImageList/{Train,Test}Imagelist.txt.
NUS_WIDE_LIST_SIZES = {'train': 161789, 'test': 107859}


def add_common_arguments(parser: argparse.ArgumentParser,
                         splits: Sequence[str]) -> None:
    """Add ``data_root``, ``--splits``, ``--no-decode`` and ``--workers``."""
    parser.add_argument('data_root', help='the dataset folder')
    parser.add_argument(
        '--splits',
        nargs='+',
        choices=splits,
        default=list(splits),
        help=f'splits to check (default: {" ".join(splits)})')
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


def check_split(args: argparse.Namespace, split: str, build: Callable,
                expected_images: Optional[int] = None) -> tuple:
    """Load one split without looking at the images, then check them.

    Args:
        args (argparse.Namespace): With ``no_decode`` and ``workers``.
        split (str): The split, for the messages.
        build (callable): ``build(split)`` returns the dataset, built with
            ``missing_images='unchecked'`` and ``lazy_init=True``.
        expected_images (int, optional): The official number of listed
            images; a different count is reported. Defaults to None.

    Returns:
        tuple: ``(ok, class names, {title: [C] positive counts})``.
    """
    prefix = f'[{split}]'
    try:
        dataset = build(split)
        dataset.full_init()
    except (OSError, ValueError, KeyError) as err:
        print(f'{prefix} error: {err}')
        return False, None, {}
    full = dataset.full_labels
    print(f'{prefix} {len(dataset)} images listed, '
          f'{int((full != 1).all(axis=1).sum())} without a positive class')
    if expected_images is not None and len(dataset) != expected_images:
        print(f'{prefix} note: the official list has {expected_images} '
              'images')
    paths = [dataset.get_data_info(i)['img_path'] for i in range(len(dataset))]
    missing, unreadable = check_images(paths, not args.no_decode,
                                       args.workers)
    checked = 'found' if args.no_decode else 'found and decoded'
    print(f'{prefix} {len(paths) - len(missing)} of {len(paths)} images '
          f'{checked}, {len(missing)} missing, {len(unreadable)} unreadable')
    report_problems(prefix, 'missing images', missing)
    report_problems(prefix, 'unreadable images', unreadable)
    counts = {f'{split} pos': (full == 1).sum(axis=0)}
    return not (missing or unreadable), dataset.CLASSES, counts


def run(args: argparse.Namespace, build: Callable,
        expected_images: Optional[dict] = None) -> int:
    """Check every split of ``args.splits`` and print the class table.

    Args:
        args (argparse.Namespace): With ``data_root``, ``splits``,
            ``no_decode`` and ``workers``.
        build (callable): ``build(split)`` returns the unloaded dataset.
        expected_images (dict, optional): Split -> official image count.

    Returns:
        int: 0 when everything is present and readable, else 1.
    """
    if not osp.isdir(args.data_root):
        print(f'error: data_root {args.data_root!r} is not a folder')
        return 1
    all_ok, classes, counts = True, None, {}
    for split in args.splits:
        ok, split_classes, split_counts = check_split(
            args, split, build, (expected_images or {}).get(split))
        all_ok &= ok
        classes = classes or split_classes
        counts.update(split_counts)
    if counts:
        print('\nPositive images per class:')
        print_class_table(classes, counts)
    print('\nOK: all files and images are present.' if all_ok else
          '\nFAILED: see the problems above.')
    return 0 if all_ok else 1


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check a NUS-WIDE download: count the listed images, '
        'report missing or unreadable files and print per-class positive '
        'counts. Exit status 1 when something is missing or broken.')
    add_common_arguments(parser, ('train', 'test'))
    parser.add_argument(
        '--data-prefix',
        default='Flickr',
        help='image folder under data_root (default: Flickr)')
    parser.add_argument(
        '--zero-shot',
        action='store_true',
        help='check the zero-shot files too (tag list and tag labels) and '
        'count the 1,006 classes: 925 seen tags, then 81 concepts')
    parser.add_argument(
        '--tag-labels-file',
        default='NUS_WID_Tags/{split}_Tags1k.dat',
        help='tag label rows, {split} = Train/Test (default: '
        'NUS_WID_Tags/{split}_Tags1k.dat)')
    parser.add_argument(
        '--tag-image-list',
        help='the image list the tag label rows follow, e.g. '
        'ImageList/Imagelist.txt for AllTags1k.txt (default: the split '
        'list)')
    return parser.parse_args(argv)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the check.

    Args:
        argv (Sequence[str], optional): Command-line arguments. Defaults to
            None (``sys.argv[1:]``).

    Returns:
        int: 0 when everything is present and readable, else 1.
    """
    args = parse_args(argv)
    common = dict(
        data_prefix=args.data_prefix,
        drop_unlabeled=False,
        missing_images='unchecked',
        serialize_data=False,
        lazy_init=True)

    def build(split):
        if args.zero_shot:
            return NUSWIDEZeroShot(
                args.data_root,
                split=split,
                vocabulary='all',
                tag_labels_file=args.tag_labels_file,
                tag_image_list_file=args.tag_image_list,
                **common)
        return NUSWIDEMultiLabel(args.data_root, split=split, **common)

    return run(args, build, NUS_WIDE_LIST_SIZES)


if __name__ == '__main__':
    sys.exit(main())
