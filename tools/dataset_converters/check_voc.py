"""Check a PASCAL VOC 2007 / 2012 download for training with VOCMultiLabel.

For each split list of ``ImageSets/Main`` (``train``, ``val``, ``trainval``,
``test``, those present unless ``--splits`` names them), counts the listed
images, reports missing or unreadable image and XML files, and prints per
class the number of images with the class positive and with the class present
only as difficult objects. Exits with status 1 when something is missing or
broken.

Example::

    python tools/dataset_converters/check_voc.py data/VOCdevkit/VOC2007
    python tools/dataset_converters/check_voc.py data/VOCdevkit/VOC2012 \\
        --splits train val --label-source class_lists --no-decode
"""
import argparse
import os.path as osp
import sys
from functools import partial
from typing import Optional, Sequence

from mmengine.fileio import join_path

# check_utils.py lives next to this script.
from check_utils import (add_data_arguments, add_image_arguments,
                         check_data_root, check_split_images, make_parser,
                         report_problems, run_splits)
from mmpretrain_mlr.datasets import VOCMultiLabel

VOC_SPLITS = ('train', 'val', 'trainval', 'test')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = make_parser(
        'Check a PASCAL VOC download: count the images of each split list, '
        'report missing or unreadable image and annotation files and print '
        'per-class counts.')
    add_data_arguments(
        parser,
        data_root_help='the VOC year folder, e.g. VOCdevkit/VOC2007',
        splits_help='lists of ImageSets/Main to check (default: those of '
        f'{", ".join(VOC_SPLITS)} that exist)')
    parser.add_argument(
        '--label-source',
        choices=('xml', 'class_lists'),
        default='xml',
        help="labels from the XML files ('xml', default) or from the "
        "<class>_<split>.txt lists ('class_lists', the single-positive "
        'benchmark)')
    add_image_arguments(parser)
    return parser.parse_args(argv)


def build(args: argparse.Namespace, split: str) -> VOCMultiLabel:
    """The dataset of ``split``, not yet loaded (difficult-only -> 0)."""
    return VOCMultiLabel(
        args.data_root,
        split=split,
        label_source=args.label_source,
        difficult='ignore',
        missing_images='unchecked',
        serialize_data=False,
        lazy_init=True)


def list_file(args: argparse.Namespace, split: str) -> str:
    """The file whose presence means the split exists."""
    dataset = build(args, split)
    if args.label_source == 'xml':
        return dataset.list_file
    return dataset.class_list_file(dataset.raw_classes[0])


def check_split(args: argparse.Namespace, split: str) -> tuple:
    """Check the list, annotations and images of one split.

    Args:
        args (argparse.Namespace): With ``data_root``, ``label_source``,
            ``no_decode`` and ``workers``.
        split (str): A list of ``ImageSets/Main``, e.g. ``'trainval'``.

    Returns:
        tuple: ``(ok, class names, {title: [C] counts})``.
    """
    prefix = f'[{split}]'
    counts, missing_xml = {}, []
    try:
        dataset = build(args, split)
        if args.label_source == 'xml':
            image_ids = dataset.read_image_ids()
            ann_dir = dataset.data_prefix['ann_path']
            missing_xml = [
                path for path in (join_path(ann_dir, f'{image_id}.xml')
                                  for image_id in image_ids)
                if not osp.isfile(path)
            ]
            print(f'{prefix} {dataset.list_file}: {len(image_ids)} images '
                  f'listed, {len(image_ids) - len(missing_xml)} annotations '
                  'found')
            report_problems(prefix, 'missing annotations', missing_xml)
        if not missing_xml:
            dataset.full_init()
            image_ids = [
                dataset.get_data_info(i)['img_id']
                for i in range(len(dataset))
            ]
            full = dataset.full_labels
            counts = {
                f'{split} pos': (full == 1).sum(axis=0),
                f'{split} diff': (full == 0).sum(axis=0)
            }
            if args.label_source == 'class_lists':
                print(f'{prefix} {dataset.class_list_file("<class>")}: '
                      f'{len(image_ids)} images with a positive class')
    except (OSError, ValueError) as err:
        print(f'{prefix} error: {err}')
        return False, None, {}
    paths = [
        join_path(dataset.img_prefix, f'{image_id}.jpg')
        for image_id in image_ids
    ]
    ok = check_split_images(args, prefix, paths, dataset.img_prefix)
    return ok and not missing_xml, dataset.CLASSES, counts


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Check the lists, annotations and images of a VOC year folder.

    Args:
        argv (Sequence[str], optional): The VOC year folder and the options.
            Defaults to None (``sys.argv[1:]``).

    Returns:
        int: 0 when every list, annotation and image is present and
        readable, 1 when something is missing or broken or no list exists.
    """
    args = parse_args(argv)
    if not check_data_root(
            args.data_root,
            '; expected a VOC year folder such as VOCdevkit/VOC2007'):
        return 1
    splits = args.splits or [
        split for split in VOC_SPLITS if osp.isfile(list_file(args, split))
    ]
    if not splits:
        print(f'error: none of the lists {list(VOC_SPLITS)} exists; looked '
              f'for {list_file(args, VOC_SPLITS[0])!r} and the like')
        return 1
    return run_splits(
        splits, partial(check_split, args),
        'Images per class: positive (pos) and present only as difficult '
        'objects (diff):', 'all lists, annotations and images are present.')


if __name__ == '__main__':
    sys.exit(main())
