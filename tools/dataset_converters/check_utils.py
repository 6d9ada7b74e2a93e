"""Helpers shared by the dataset check scripts.

Used by ``check_coco.py``, ``check_voc.py``, ``check_nus_wide.py``,
``check_visual_genome.py`` and ``check_cub.py``, kept next to them and
imported as a sibling module. Each script holds only what is specific to its
dataset: its extra options, how to build the dataset of a split and, where
its report differs, how to check one split.
"""
import argparse
import os.path as osp
import sys
from functools import partial
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np
from mmengine.utils import track_parallel_progress, track_progress
from PIL import Image

# How many paths of each problem kind a report prints.
SHOWN_PATHS = 10


def check_one_image(path: str, decode: bool = True) -> str:
    """Return '' when the image is fine, else what is wrong with it."""
    if not osp.isfile(path):
        return 'missing'
    if decode:
        try:
            with Image.open(path) as image:
                image.load()
        except Exception as err:  # PIL raises many types on broken files
            return f'unreadable ({type(err).__name__}: {err})'
    return ''


def check_images(paths: Sequence[str],
                 decode: bool = True,
                 workers: int = 1) -> Tuple[List[str], List[str]]:
    """Check that image files exist and (optionally) decode.

    Args:
        paths (Sequence[str]): The image files.
        decode (bool): Decode each file with PIL to find broken ones.
            Defaults to True.
        workers (int): Processes to check with. Defaults to 1.

    Returns:
        tuple: The missing paths and the unreadable ones (each
        ``'path: reason'``).
    """
    if not paths:
        return [], []
    sys.stdout.flush()  # keep the report and the progress bar in order
    check = partial(check_one_image, decode=decode)
    if workers > 1:
        results = track_parallel_progress(
            check, list(paths), workers, chunksize=64, file=sys.stderr)
    else:
        results = track_progress(check, list(paths), file=sys.stderr)
    missing = [p for p, result in zip(paths, results) if result == 'missing']
    unreadable = [
        f'{p}: {result}' for p, result in zip(paths, results)
        if result and result != 'missing'
    ]
    return missing, unreadable


def report_problems(prefix: str, kind: str, items: Sequence[str]) -> None:
    """Print how many ``items`` have a problem and the first few."""
    if not items:
        return
    print(f'{prefix} {len(items)} {kind}:')
    for item in items[:SHOWN_PATHS]:
        print(f'{prefix}   {item}')
    if len(items) > SHOWN_PATHS:
        print(f'{prefix}   ... and {len(items) - SHOWN_PATHS} more')


def print_class_table(classes: Sequence[str],
                      columns: Dict[str, np.ndarray]) -> None:
    """Print one row per class and one column of counts per entry.

    Args:
        classes (Sequence[str]): The C class names.
        columns (dict[str, np.ndarray]): Column title -> [C] counts.
    """
    if not columns:
        return
    width = max(len(name) for name in classes)
    titles = list(columns)
    widths = [max(len(title), 7) for title in titles]
    print('  '.join([f'{"class":<{width}}'] +
                    [f'{t:>{w}}' for t, w in zip(titles, widths)]))
    for col, name in enumerate(classes):
        cells = [
            f'{int(columns[t][col]):>{w}}' for t, w in zip(titles, widths)
        ]
        print('  '.join([f'{name:<{width}}'] + cells))


def make_parser(description: str) -> argparse.ArgumentParser:
    """A parser whose description ends with the meaning of the exit status.

    Args:
        description (str): What the script checks and prints.

    Returns:
        argparse.ArgumentParser: The parser, without arguments yet.
    """
    return argparse.ArgumentParser(
        description=f'{description} Exit status 1 when something is missing '
        'or broken.')


def add_data_arguments(parser: argparse.ArgumentParser,
                       splits: Optional[Sequence[str]] = None,
                       data_root_help: str = 'the dataset folder',
                       splits_help: Optional[str] = None) -> None:
    """Add the positional ``data_root`` and ``--splits``.

    Args:
        parser (argparse.ArgumentParser): The parser to add them to.
        splits (Sequence[str], optional): The splits ``--splits`` accepts,
            all checked by default. Defaults to None (any split name, no
            default).
        data_root_help (str): Help of ``data_root``.
            Defaults to ``'the dataset folder'``.
        splits_help (str, optional): Help of ``--splits``. Defaults to None
            (``'splits to check (default: <splits>)'``).
    """
    parser.add_argument('data_root', help=data_root_help)
    if splits is None:
        parser.add_argument('--splits', nargs='+', help=splits_help)
        return
    parser.add_argument(
        '--splits',
        nargs='+',
        choices=splits,
        default=list(splits),
        help=splits_help
        or f'splits to check (default: {" ".join(splits)})')


def add_image_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``--no-decode`` and ``--workers``.

    Args:
        parser (argparse.ArgumentParser): The parser to add them to.
    """
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


def add_common_arguments(parser: argparse.ArgumentParser,
                         splits: Sequence[str],
                         data_root_help: str = 'the dataset folder') -> None:
    """Add ``data_root``, ``--splits``, ``--no-decode`` and ``--workers``.

    Args:
        parser (argparse.ArgumentParser): The parser to add them to.
        splits (Sequence[str]): The splits ``--splits`` accepts, all checked
            by default.
        data_root_help (str): Help of ``data_root``.
            Defaults to ``'the dataset folder'``.
    """
    add_data_arguments(parser, splits, data_root_help)
    add_image_arguments(parser)


def check_data_root(data_root: str, hint: str = '') -> bool:
    """Return whether ``data_root`` is a folder; print an error if not.

    Args:
        data_root (str): The dataset folder given on the command line.
        hint (str): Appended to the error, e.g. what folder is expected.
            Defaults to ''.

    Returns:
        bool: True when ``data_root`` is a folder.
    """
    if osp.isdir(data_root):
        return True
    print(f'error: data_root {data_root!r} is not a folder{hint}')
    return False


def check_split_images(args: argparse.Namespace,
                       prefix: str,
                       paths: Sequence[str],
                       folder: Optional[str] = None) -> bool:
    """Check the images of one split and print what was found.

    Prints how many images were found (and decoded), then the missing and
    the unreadable ones.

    Args:
        args (argparse.Namespace): With ``no_decode`` and ``workers``.
        prefix (str): Starts every printed line, e.g. ``'[train]'``.
        paths (Sequence[str]): The image files.
        folder (str, optional): The image folder, named in the count line.
            Defaults to None.

    Returns:
        bool: True when every image is present and readable.
    """
    missing, unreadable = check_images(paths, not args.no_decode,
                                       args.workers)
    checked = 'found' if args.no_decode else 'found and decoded'
    where = f' {folder}:' if folder else ''
    print(f'{prefix}{where} {len(paths) - len(missing)} of {len(paths)} '
          f'images {checked}, {len(missing)} missing, {len(unreadable)} '
          'unreadable')
    report_problems(prefix, 'missing images', missing)
    report_problems(prefix, 'unreadable images', unreadable)
    return not (missing or unreadable)


def run_splits(splits: Sequence[str], check_split: Callable, title: str,
               ok_message: str) -> int:
    """Check every split, print the class table and the verdict.

    Args:
        splits (Sequence[str]): The splits to check, in order.
        check_split (callable): ``check_split(split)`` checks one split and
            returns ``(ok, class names or None, {title: [C] counts})``.
        title (str): The line printed above the class table.
        ok_message (str): Printed after ``'OK: '`` when all splits are fine.

    Returns:
        int: 0 when every split is fine, else 1.
    """
    all_ok, classes, counts = True, None, {}
    for split in splits:
        ok, split_classes, split_counts = check_split(split)
        all_ok &= ok
        classes = classes or split_classes
        counts.update(split_counts)
    if counts:
        print(f'\n{title}')
        print_class_table(classes, counts)
    print(f'\nOK: {ok_message}' if all_ok else
          '\nFAILED: see the problems above.')
    return 0 if all_ok else 1


def check_dataset_split(args: argparse.Namespace,
                        split: str,
                        build: Callable,
                        expected_images: Optional[int] = None) -> tuple:
    """Load one split without looking at the images, then check them.

    Args:
        args (argparse.Namespace): With ``no_decode`` and ``workers``.
        split (str): The split, for the messages.
        build (callable): ``build(args, split)`` returns the dataset, built
            with ``missing_images='unchecked'`` and ``lazy_init=True``.
        expected_images (int, optional): The official number of listed
            images; a different count is reported. Defaults to None.

    Returns:
        tuple: ``(ok, class names, {title: [C] positive counts})``.
    """
    prefix = f'[{split}]'
    try:
        dataset = build(args, split)
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
    ok = check_split_images(args, prefix, paths)
    return ok, dataset.CLASSES, {f'{split} pos': (full == 1).sum(axis=0)}


def run_dataset_check(args: argparse.Namespace,
                      build: Callable,
                      expected_images: Optional[dict] = None) -> int:
    """Check every split of ``args.splits`` with :func:`check_dataset_split`.

    Args:
        args (argparse.Namespace): With ``data_root``, ``splits``,
            ``no_decode`` and ``workers``.
        build (callable): ``build(args, split)`` returns the unloaded
            dataset.
        expected_images (dict, optional): Split -> official image count.
            Defaults to None.

    Returns:
        int: 0 when everything is present and readable, else 1.
    """
    if not check_data_root(args.data_root):
        return 1
    expected_images = expected_images or {}

    def check_split(split):
        return check_dataset_split(args, split, build,
                                   expected_images.get(split))

    return run_splits(args.splits, check_split, 'Positive images per class:',
                      'all files and images are present.')
