"""Readers of the plain text files that dataset downloads ship."""
import warnings
from typing import List, Tuple

import numpy as np
from mmengine.fileio import exists, get_text, join_path


def read_text(path: str, what: str) -> str:
    """Read a text file, failing with a message that names it.

    Args:
        path (str): The file.
        what (str): What the file is, e.g. ``'image list'``.

    Returns:
        str: The content.
    """
    if not exists(path):
        raise FileNotFoundError(f'{what} {path!r} does not exist')
    return get_text(path)


def read_lines(path: str, what: str) -> List[Tuple[int, str]]:
    """Read the non-blank lines of a text file.

    Args:
        path (str): The file.
        what (str): What the file is, for error messages.

    Returns:
        list[tuple[int, str]]: ``(line number, stripped line)`` pairs, line
        numbers starting at 1.
    """
    return [(line_no, line.strip()) for line_no, line in enumerate(
        read_text(path, what).splitlines(), start=1) if line.strip()]


def parse_int_row(text: str, length: int, where: str) -> np.ndarray:
    """Parse ``length`` whitespace-separated integers.

    Args:
        text (str): The text to parse (a line or a whole file).
        length (int): How many integers are expected.
        where (str): File and line, for error messages.

    Returns:
        np.ndarray: [length] int64 values.
    """
    try:
        with warnings.catch_warnings():
            # Older numpy warns and stops at the first token that is not a
            # number, newer numpy raises; both are reported below.
            warnings.simplefilter('ignore', DeprecationWarning)
            values = np.fromstring(text, dtype=np.int64, sep=' ')
    except ValueError:
        values = np.zeros(0, dtype=np.int64)
    if values.size != length:
        tokens = text.split()
        bad = next((token for token in tokens
                    if not token.lstrip('-').isdigit()), None)
        detail = (f'found {bad!r}' if bad is not None else
                  f'found {len(tokens)} values')
        raise ValueError(f'{where}: expected {length} whitespace-separated '
                         f'integers, {detail}')
    return values


def resolve_path(data_root: str, path: str) -> str:
    """Join a relative path to the data root (absolute paths stay)."""
    return join_path(data_root, path) if data_root else path
