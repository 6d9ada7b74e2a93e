"""Class vocabularies: names written one per line, or a dataset's defaults."""
from typing import List, Sequence, Union

from mmengine.fileio import exists, get_text
from mmpretrain.registry import DATASETS


def read_name_list(path: str) -> List[str]:
    """Read one name per line, stripping whitespace and skipping blank lines.

    Args:
        path (str): The file (any mmengine file backend).

    Returns:
        list[str]: The names in file order.
    """
    if not exists(path):
        raise FileNotFoundError(f'name list {path!r} does not exist')
    names = [line.strip() for line in get_text(path).splitlines()]
    names = [name for name in names if name]
    if not names:
        raise ValueError(f'name list {path!r} is empty')
    return names


def resolve_class_names(spec: Union[str, Sequence[str]],
                        field: str = 'class_names') -> List[str]:
    """Turn a vocabulary spec into a list of class names.

    Args:
        spec (str | Sequence[str]): A list of names; the type name of a
            registered dataset (its default readable class names, e.g.
            ``'COCOMultiLabel'``); or a file with one name per line (e.g. the
            seen classes of a zero-shot split).
        field (str): The config field being resolved, for error messages.

    Returns:
        list[str]: The class names.
    """
    if isinstance(spec, str):
        dataset_cls = DATASETS.get(spec)
        if dataset_cls is not None:
            names = (getattr(dataset_cls, 'METAINFO', None) or {}).get(
                'classes')
            if not names:
                raise ValueError(f'{field}={spec!r}: that dataset has no '
                                 'default class names; list them or give a '
                                 'file')
            return list(names)
        return read_name_list(spec)
    names = list(spec or [])
    if not names or not all(isinstance(n, str) and n for n in names):
        raise ValueError(f'{field} must be a non-empty list of names, a '
                         f'dataset type or a name file, got {spec!r}')
    return names
