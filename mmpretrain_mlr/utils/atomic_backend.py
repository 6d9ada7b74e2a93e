"""A local file backend whose writes are all or nothing.

mmengine saves checkpoints with ``file_backend.put(bytes, path)``; the stock
``LocalBackend`` opens ``path`` with ``'wb'``, so a process killed during the
write leaves a truncated file under the final name (and, when it rewrites an
existing checkpoint, destroys the complete one). :class:`AtomicLocalBackend`
writes to a temporary file in the same directory, flushes it to disk and
renames it into place (:func:`~mmpretrain_mlr.utils.write_atomically`).

It is registered as the ``'atomic_local'`` backend;
:class:`~mmpretrain_mlr.engine.hooks.SafeCheckpointHook` uses it for local
checkpoint directories.
"""
import os.path as osp
import re
from pathlib import Path
from typing import List, Union

from mmengine.fileio import LocalBackend, register_backend

from .atomic_file import write_atomically

# Temporary files of write_atomically: '.<name>.<random>.tmp'.
_PARTIAL_NAME = re.compile(r'^\.(?P<name>.+)\.[A-Za-z0-9_]+\.tmp$')


@register_backend('atomic_local')
class AtomicLocalBackend(LocalBackend):
    """:class:`mmengine.fileio.LocalBackend` with atomic ``put``/``put_text``.

    A reader (or a later run) sees either the previous content of the file
    or the new one, never part of it, whenever the writing process dies.
    """

    def put(self, obj: bytes, filepath: Union[str, Path]) -> None:
        """Write ``obj`` to ``filepath`` atomically.

        Args:
            obj (bytes): Data to write.
            filepath (str | Path): Destination; its folder is created.
        """
        write_atomically(str(filepath), lambda f: f.write(obj))

    def put_text(self,
                 obj: str,
                 filepath: Union[str, Path],
                 encoding: str = 'utf-8') -> None:
        """Write the text ``obj`` to ``filepath`` atomically.

        Args:
            obj (str): Text to write.
            filepath (str | Path): Destination; its folder is created.
            encoding (str): Text encoding. Defaults to 'utf-8'.
        """
        self.put(obj.encode(encoding), filepath)


def find_partial_files(folder: str, suffixes=('.pth', 'last_checkpoint')
                       ) -> List[str]:
    """List temporary files that killed atomic writes left in ``folder``.

    Args:
        folder (str): Directory to look in (not recursively).
        suffixes (tuple[str]): Only temporaries of files whose name ends with
            one of these. Defaults to checkpoints and the
            ``last_checkpoint`` pointer.

    Returns:
        list[str]: Paths of the leftover temporary files, sorted.
    """
    if not osp.isdir(folder):
        return []
    found = []
    for entry in sorted(Path(folder).iterdir()):
        match = _PARTIAL_NAME.match(entry.name)
        if match and entry.is_file() and match['name'].endswith(suffixes):
            found.append(str(entry))
    return found
