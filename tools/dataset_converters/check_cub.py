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

from check_nus_wide import add_common_arguments, run
from mmpretrain_mlr.datasets import CUBAttributes


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check a CUB-200-2011 download: count the images of '
        'each split, report missing or unreadable files and print '
        'per-attribute positive counts. Exit status 1 when something is '
        'missing or broken.')
    add_common_arguments(parser, ('train', 'test'))
    parser.add_argument(
        '--attribute-names-file',
        help='attributes.txt (default: looked for at attributes/, data_root '
        'and its parent folder)')
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

    def build(split):
        return CUBAttributes(
            args.data_root,
            split=split,
            attribute_names_file=args.attribute_names_file,
            missing_images='unchecked',
            serialize_data=False,
            lazy_init=True)

    return run(args, build)


if __name__ == '__main__':
    sys.exit(main())
