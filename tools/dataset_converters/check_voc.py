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
from typing import Optional, Sequence

from mmengine.fileio import join_path

# check_utils.py lives next to this script.
from check_utils import check_images, print_class_table, report_problems
from mmpretrain_mlr.datasets import VOCMultiLabel

VOC_SPLITS = ('train', 'val', 'trainval', 'test')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Check a PASCAL VOC download: count the images of each '
        'split list, report missing or unreadable image and annotation '
        'files and print per-class counts. Exit status 1 when something is '
        'missing or broken.')
    parser.add_argument(
        'data_root', help='the VOC year folder, e.g. VOCdevkit/VOC2007')
    parser.add_argument(
        '--splits',
        nargs='+',
        help='lists of ImageSets/Main to check (default: those of '
        f'{", ".join(VOC_SPLITS)} that exist)')
    parser.add_argument(
        '--label-source',
        choices=('xml', 'class_lists'),
        default='xml',
        help="labels from the XML files ('xml', default) or from the "
        "<class>_<split>.txt lists ('class_lists', the single-positive "
        'benchmark)')
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
    """Check one split; return (ok, class names, {title: [C] counts})."""
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
    missing, unreadable = check_images(paths, not args.no_decode,
                                       args.workers)
    checked = 'found' if args.no_decode else 'found and decoded'
    print(f'{prefix} {dataset.img_prefix}: {len(paths) - len(missing)} of '
          f'{len(paths)} images {checked}, {len(missing)} missing, '
          f'{len(unreadable)} unreadable')
    report_problems(prefix, 'missing images', missing)
    report_problems(prefix, 'unreadable images', unreadable)
    ok = not (missing_xml or missing or unreadable)
    return ok, dataset.CLASSES, counts


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run the check.

    Args:
        argv (Sequence[str], optional): Command-line arguments. Defaults to
            None (``sys.argv[1:]``).

    Returns:
        int: 0 when everything is present and readable, else 1.
    """
    args = parse_args(argv)
    if not osp.isdir(args.data_root):
        print(f'error: data_root {args.data_root!r} is not a folder; expected '
              'a VOC year folder such as VOCdevkit/VOC2007')
        return 1
    splits = args.splits or [
        split for split in VOC_SPLITS if osp.isfile(list_file(args, split))
    ]
    if not splits:
        print(f'error: none of the lists {list(VOC_SPLITS)} exists; looked '
              f'for {list_file(args, VOC_SPLITS[0])!r} and the like')
        return 1
    all_ok, classes, counts = True, None, {}
    for split in splits:
        ok, split_classes, split_counts = check_split(args, split)
        all_ok &= ok
        classes = classes or split_classes
        counts.update(split_counts)
    if counts:
        print('\nImages per class: positive (pos) and present only as '
              'difficult objects (diff):')
        print_class_table(classes, counts)
    print('\nOK: all lists, annotations and images are present.' if all_ok
          else '\nFAILED: see the problems above.')
    return 0 if all_ok else 1


if __name__ == '__main__':
    sys.exit(main())
