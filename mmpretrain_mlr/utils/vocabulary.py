"""Class vocabularies: names written one per line, columns picked by name,
or a dataset's default names."""
from typing import List, Optional, Sequence, Union

from mmpretrain.registry import DATASETS

from .text_files import read_lines


def read_name_list(path: str, what: str = 'name list') -> List[str]:
    """Read a file with one unique name per line (blank lines skipped).

    Args:
        path (str): The file (any mmengine file backend).
        what (str): What the file is, for error messages.

    Returns:
        list[str]: The names in file order.
    """
    names, first_line = [], {}
    for line_no, name in read_lines(path, what):
        if name in first_line:
            raise ValueError(f'{what} {path!r} line {line_no}: {name!r} '
                             f'already listed at line {first_line[name]}')
        first_line[name] = line_no
        names.append(name)
    if not names:
        raise ValueError(f'{what} {path!r} is empty')
    return names


def select_columns(available: Sequence[str],
                   requested: Optional[Sequence[str]],
                   source: str) -> List[int]:
    """Map requested class names to their positions in a vocabulary.

    Args:
        available (Sequence[str]): The vocabulary, in column order.
        requested (Sequence[str], optional): The classes wanted, in the
            order wanted; None for the whole vocabulary.
        source (str): Where the vocabulary comes from, for error messages.

    Returns:
        list[int]: One position in ``available`` per requested class.
    """
    if requested is None:
        return list(range(len(available)))
    if not requested or len(set(requested)) != len(requested):
        raise ValueError(f'the classes requested from {source} must list '
                         f'at least one name, each once; got {requested!r}')
    position = {name: i for i, name in enumerate(available)}
    unknown = [name for name in requested if name not in position]
    if unknown:
        raise ValueError(f'classes {unknown[:5]} ({len(unknown)} in all) '
                         f'are not in the vocabulary of {source} '
                         f'({len(available)} names, e.g. '
                         f'{list(available[:5])})')
    return [position[name] for name in requested]


def resolve_class_names(spec: Union[str, Sequence[str], dict],
                        field: str = 'class_names') -> List[str]:
    """Turn a vocabulary spec into a list of class names.

    Args:
        spec (str | Sequence[str] | dict): A list of names; the type name of
            a registered dataset (its default readable class names, e.g.
            ``'COCOMultiLabel'``); a file with one name per line (e.g. the
            seen classes of a zero-shot split); or a dataset config whose
            vocabulary is read from its files (e.g.
            ``dict(type='NUSWIDEZeroShot', data_root=..., vocabulary='all')``:
            a dataset with a ``vocabulary_names()`` method answers without
            loading its labels).
        field (str): The config field being resolved, for error messages.

    Returns:
        list[str]: The class names.
    """
    if isinstance(spec, dict):
        dataset = DATASETS.build(dict(spec, lazy_init=True))
        if callable(getattr(dataset, 'vocabulary_names', None)):
            return list(dataset.vocabulary_names())
        dataset.full_init()
        return list(dataset.CLASSES)
    if isinstance(spec, str):
        dataset_cls = DATASETS.get(spec)
        if dataset_cls is None:
            return read_name_list(spec, f'{field} file')
        names = (getattr(dataset_cls, 'METAINFO', None) or {}).get('classes')
        if not names:
            raise ValueError(f'{field}={spec!r}: that dataset has no default '
                             'class names; list them or give a file')
        return list(names)
    names = list(spec or [])
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f'{field} must be a non-empty list of names, a '
                         f'dataset type or a name file, got {spec!r}')
    return names


def check_same_vocabulary(expected: Sequence[str], got: Sequence[str],
                          expected_from: str, got_from: str) -> None:
    """Raise unless two vocabularies list the same names in the same order.

    A model scores its vocabulary column by column, so a vocabulary in
    another order than the labels' silently scores every prompt against
    the wrong column; the counts alone cannot tell.

    Args:
        expected (Sequence[str]): The reference names (the labels' columns).
        got (Sequence[str]): The names to check (the model's prompts).
        expected_from (str): Where ``expected`` comes from, for the error.
        got_from (str): Where ``got`` comes from, for the error.
    """
    expected, got = [str(n) for n in expected], [str(n) for n in got]
    if expected == got:
        return
    for position, (want, have) in enumerate(zip(expected, got)):
        if want != have:
            raise ValueError(
                f'{got_from} differs from {expected_from} at position '
                f'{position}: {have!r} instead of {want!r}; a model scores '
                'its vocabulary column by column, so the names must be the '
                "labels' classes in the same order")
    raise ValueError(
        f'{got_from} has {len(got)} names but {expected_from} has '
        f'{len(expected)}; the first {min(len(got), len(expected))} agree')


def check_names_in_vocabulary(available: Sequence[str], got: Sequence[str],
                              available_from: str, got_from: str) -> None:
    """Raise unless every name of ``got`` is in ``available``, once.

    For a vocabulary scored as a subset of a dataset's classes whose
    columns nothing else fixes: a name that is no class would be scored
    and read as some class's column.

    Args:
        available (Sequence[str]): The reference names (the labels'
            columns).
        got (Sequence[str]): The names to check (a model's prompts).
        available_from (str): Where ``available`` comes from, for the error.
        got_from (str): Where ``got`` comes from, for the error.
    """
    available = [str(n) for n in available]
    known, first = set(available), {}
    for position, name in enumerate(str(n) for n in got):
        if name not in known:
            raise ValueError(
                f'{got_from} position {position}: {name!r} is not a class '
                f'of {available_from} ({len(available)} names, e.g. '
                f'{available[:5]}); a vocabulary is scored name by name, '
                'so each name must be one of the classes it is read as')
        if name in first:
            raise ValueError(
                f'{got_from} lists {name!r} twice (positions '
                f'{first[name]} and {position})')
        first[name] = position
