"""Check a CUB-200-2011 download for CUBAttributes (312 attributes).

For each split of ``train_test_split.txt`` (``train``, ``test``), reads the
image list and the attribute labels the loader reads, counts the images,
reports missing or unreadable images and prints per attribute the number of
images where it is present. Exits with status 1 when something is missing
or broken.

Example::

    python tools/dataset_converters/check_cub.py data/cub/CUB_200_2011
"""
import argparse
import sys
from typing import Optional, Sequence

# check_utils.py lives next to this script.
from check_utils import (add_common_arguments, make_parser,
                         run_dataset_check)
from mmpretrain_mlr.datasets import CUBAttributes


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = make_parser(
        'Check a CUB-200-2011 download: count the images of each split, '
        'report missing or unreadable files and print per-attribute positive '
        'counts.')
    add_common_arguments(parser, ('train', 'test'))
    parser.add_argument(
        '--attribute-names-file',
        help='attributes.txt (default: looked for at attributes/, data_root '
        'and its parent folder)')
    return parser.parse_args(argv)


def build(args: argparse.Namespace, split: str) -> CUBAttributes:
    """The attribute labels of one half of ``train_test_split.txt``.

    Args:
        args (argparse.Namespace): With ``data_root`` and
            ``attribute_names_file``.
        split (str): ``'train'`` (is_training_image 1) or ``'test'`` (0).

    Returns:
        CUBAttributes: The dataset, not yet loaded.
    """
    return CUBAttributes(
        args.data_root,
        split=split,
        attribute_names_file=args.attribute_names_file,
        missing_images='unchecked',
        serialize_data=False,
        lazy_init=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Check the CUB-200-2011 folder named on the command line.

    Args:
        argv (Sequence[str], optional): The data root and the options of
            :func:`parse_args`. Defaults to None (``sys.argv[1:]``).

    Returns:
        int: 0 when every listed image is present and readable, else 1.
    """
    return run_dataset_check(parse_args(argv), build)


if __name__ == '__main__':
    sys.exit(main())
