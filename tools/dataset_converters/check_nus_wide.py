"""Check a NUS-WIDE download for NUSWIDEMultiLabel / NUSWIDEZeroShot.

For each split (``train``, ``test``), reads the image list and the labels the
loader reads, counts the listed images (the official lists hold 161,789 and
107,859), how many have no positive concept (``drop_unlabeled=True`` drops
them), reports missing or unreadable images and prints per class the number
of positive images. With ``--zero-shot`` the 1,006 classes of the zero-shot
split (925 tags, then 81 concepts) are read and counted instead. Exits with
status 1 when a file is missing or broken; many Flickr images are no longer
available, and ``missing_images='skip'`` trains without them.

Example::

    python tools/dataset_converters/check_nus_wide.py data/nus_wide
    python tools/dataset_converters/check_nus_wide.py data/nus_wide \\
        --zero-shot --tag-labels-file NUS_WID_Tags/AllTags1k.txt \\
        --tag-image-list ImageList/Imagelist.txt --no-decode
"""
import argparse
import sys
from typing import Optional, Sequence

import mmpretrain_mlr  # noqa: F401  (registers the datasets)
# check_utils.py lives next to this script.
from check_utils import (add_common_arguments, make_parser,
                         run_dataset_check)
from mmpretrain_mlr.datasets import NUSWIDEMultiLabel, NUSWIDEZeroShot

# Lines of the official ImageList/{Train,Test}Imagelist.txt.
NUS_WIDE_LIST_SIZES = {'train': 161789, 'test': 107859}


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = make_parser(
        'Check a NUS-WIDE download: count the listed images, report missing '
        'or unreadable files and print per-class positive counts.')
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


def build(args: argparse.Namespace, split: str):
    """The dataset of ``split``, not yet loaded.

    Args:
        args (argparse.Namespace): The parsed command line.
        split (str): ``'train'`` or ``'test'``.

    Returns:
        NUSWIDEMultiLabel | NUSWIDEZeroShot: The dataset, the zero-shot one
        with ``--zero-shot``.
    """
    common = dict(
        data_prefix=args.data_prefix,
        drop_unlabeled=False,
        missing_images='unchecked',
        serialize_data=False,
        lazy_init=True)
    if args.zero_shot:
        return NUSWIDEZeroShot(
            args.data_root,
            split=split,
            vocabulary='all',
            tag_labels_file=args.tag_labels_file,
            tag_image_list_file=args.tag_image_list,
            **common)
    return NUSWIDEMultiLabel(args.data_root, split=split, **common)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Check the lists, labels and images of a NUS-WIDE folder.

    Args:
        argv (Sequence[str], optional): The NUS-WIDE folder and the options;
            ``--zero-shot`` checks the zero-shot files and classes.
            Defaults to None (``sys.argv[1:]``).

    Returns:
        int: 0 when all files and images are present and readable, else 1
        (many Flickr images are often gone).
    """
    return run_dataset_check(parse_args(argv), build, NUS_WIDE_LIST_SIZES)


if __name__ == '__main__':
    sys.exit(main())
