"""Check a Visual Genome download for VisualGenome200 (VG-200 split).

For each split (``train``, ``test``), reads the image list
(``{split}_list_500.txt``) and the label file the loader reads, counts the
listed images and those without a positive category, reports images missing
from ``VG_100K`` / ``VG_100K_2`` or unreadable, and prints per class the
number of positive images. Exits with status 1 when something is missing or
broken.

Example::

    python tools/dataset_converters/check_visual_genome.py data/vg \\
        --classes data/vg/vg200_classes.txt
"""
import argparse
import sys
from typing import Optional, Sequence

# check_utils.py lives next to this script.
from check_utils import (add_common_arguments, make_parser,
                         run_dataset_check)
from mmpretrain_mlr.datasets import VisualGenome200


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = make_parser(
        'Check a Visual Genome download for the VG-200 split: count the '
        'listed images, report missing or unreadable files and print '
        'per-class positive counts.')
    add_common_arguments(parser, ('train', 'test'))
    parser.add_argument(
        '--classes',
        help='file with the category names, one per line, in label-index '
        'order (default: the indices 0 .. NUM_CLASSES-1 as names)')
    parser.add_argument(
        '--num-classes',
        type=int,
        default=200,
        help='number of categories when --classes is not given (default: '
        '200)')
    parser.add_argument(
        '--label-file',
        default='vg_category_200_labels_index.json',
        help='JSON label file under data_root (default: '
        'vg_category_200_labels_index.json)')
    parser.add_argument(
        '--image-dirs',
        nargs='+',
        default=['VG_100K', 'VG_100K_2'],
        help='image folders under data_root, searched in order (default: '
        'VG_100K VG_100K_2)')
    return parser.parse_args(argv)


def build(args: argparse.Namespace, split: str) -> VisualGenome200:
    """The VG-200 dataset of ``split``, not yet loaded.

    Without ``--classes`` the label indices serve as class names.

    Args:
        args (argparse.Namespace): With ``data_root``, ``classes``,
            ``num_classes``, ``label_file`` and ``image_dirs``.
        split (str): ``'train'`` or ``'test'`` (``{split}_list_500.txt``).
    """
    classes = args.classes or [str(i) for i in range(args.num_classes)]
    return VisualGenome200(
        args.data_root,
        classes=classes,
        split=split,
        label_file=args.label_file,
        image_dirs=args.image_dirs,
        missing_images='unchecked',
        serialize_data=False,
        lazy_init=True)


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Check the VG-200 lists, labels and images of a Visual Genome folder.

    Args:
        argv (Sequence[str], optional): The Visual Genome folder and the
            options. Defaults to None (``sys.argv[1:]``).

    Returns:
        int: 0 when the list, label file and all images are present and
        readable, else 1.
    """
    return run_dataset_check(parse_args(argv), build)


if __name__ == '__main__':
    sys.exit(main())
