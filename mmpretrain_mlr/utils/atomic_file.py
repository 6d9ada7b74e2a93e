"""Write a file so that readers see either nothing or the whole file."""
import contextlib
import os
import os.path as osp
import tempfile
from typing import BinaryIO, Callable


def write_atomically(path: str, write: Callable[[BinaryIO], None]) -> None:
    """Call ``write(file)`` on a temporary file next to ``path``, flush it
    to disk, then rename it to ``path``. An error (or an interrupt) removes
    the temporary file and leaves ``path`` as it was.

    Args:
        path (str): The file to create or replace.
        write (callable): Writes the content to the binary file it gets.
    """
    folder = osp.dirname(osp.abspath(path))
    os.makedirs(folder, exist_ok=True)
    fd, tmp_path = tempfile.mkstemp(prefix=f'.{osp.basename(path)}.',
                                    suffix='.tmp', dir=folder)
    try:
        with os.fdopen(fd, 'wb') as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp_path)
        raise

