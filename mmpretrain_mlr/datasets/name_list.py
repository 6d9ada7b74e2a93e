"""Read a list of names (classes, tags) written one per line."""
from typing import List

from mmengine.fileio import exists, get_text


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
