"""Choose the checkpoint a run resumes from.

mmengine resumes from the file named in ``<work_dir>/last_checkpoint``
without looking at it. These helpers check that a checkpoint can be read and
fall back to the newest one that can.
"""
import os
import os.path as osp
import re
import zipfile
from typing import List, Optional, Tuple

from mmengine.logging import print_log

# CheckpointHook's default names: epoch_{}.pth / iter_{}.pth.
_STEP_NAME = re.compile(r'^(epoch|iter)_(\d+)\.pth$')


def checkpoint_problem(path: str) -> Optional[str]:
    """Say why ``path`` is not a readable checkpoint, or return None.

    Reads only the zip directory ``torch.save`` writes at the end of the
    file, so a missing, empty or truncated file is found without loading it.
    Files in torch's legacy (pre-1.6, plain pickle) format are not checked.

    Args:
        path (str): Checkpoint path.

    Returns:
        str | None: The problem (for a message), or None if it looks whole.
    """
    if not osp.isfile(path):
        return 'no such file'
    size = osp.getsize(path)
    if size == 0:
        return 'empty file (0 bytes)'
    if not zipfile.is_zipfile(path):
        with open(path, 'rb') as f:
            if f.read(1) == b'\x80':  # a pickle: torch's legacy format
                return None
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError) as err:
        return f'not a complete torch.save archive ({size} bytes: {err})'
    if not any(name.endswith('/data.pkl') or name == 'data.pkl'
               for name in names):
        return f'a zip archive without data.pkl ({size} bytes)'
    return None


def list_step_checkpoints(folder: str) -> List[str]:
    """List ``epoch_N.pth`` / ``iter_N.pth`` in ``folder``, newest first.

    Args:
        folder (str): Directory to look in.

    Returns:
        list[str]: Paths ordered by decreasing ``N``.
    """
    if not osp.isdir(folder):
        return []
    found: List[Tuple[int, str]] = []
    for name in os.listdir(folder):
        match = _STEP_NAME.match(name)
        if match:
            found.append((int(match[2]), osp.join(folder, name)))
    return [path for _, path in sorted(found, reverse=True)]


def _read_pointer(work_dir: str) -> Optional[str]:
    """The path in ``work_dir/last_checkpoint``, if there is one."""
    pointer = osp.join(work_dir, 'last_checkpoint')
    if not osp.isfile(pointer):
        return None
    with open(pointer) as f:
        target = f.read().strip()
    return target or None


def find_resumable_checkpoint(work_dir: str,
                              logger: str = 'current') -> Optional[str]:
    """Find the newest readable checkpoint of a run in ``work_dir``.

    Candidates are the file ``last_checkpoint`` names, then ``epoch_N.pth``
    / ``iter_N.pth`` in the folder of that file and in ``work_dir``, newest
    first. Unreadable candidates are skipped with a warning naming them.

    Args:
        work_dir (str): The run's work directory.
        logger (str): Logger for the warnings. Defaults to 'current'.

    Returns:
        str | None: The checkpoint to resume from, or None if there is none.
    """
    pointed = _read_pointer(work_dir)
    candidates = [pointed] if pointed else []
    folders = [osp.dirname(pointed)] if pointed else []
    for folder in folders + [work_dir]:
        candidates += list_step_checkpoints(folder)
    step_of = {}
    for path in candidates:
        match = _STEP_NAME.match(osp.basename(path))
        step_of[path] = int(match[2]) if match else -1
    # newest first; the pointer wins among equals
    ordered = sorted(dict.fromkeys(candidates),
                     key=lambda p: (step_of[p], p == pointed), reverse=True)
    for path in ordered:
        problem = checkpoint_problem(path)
        if problem is None:
            return path
        print_log(f'Skipping unreadable checkpoint {path!r} ({problem}); '
                  'looking for an older one to resume from.',
                  logger=logger, level=30)
    return None


def previous_readable_checkpoint(path: str) -> Optional[str]:
    """The newest readable ``epoch_N``/``iter_N`` checkpoint older than
    ``path`` in the same folder (for messages about an unreadable one).

    Args:
        path (str): A checkpoint path.

    Returns:
        str | None: The older readable checkpoint, if any.
    """
    match = _STEP_NAME.match(osp.basename(path))
    for other in list_step_checkpoints(osp.dirname(osp.abspath(path))):
        step = int(_STEP_NAME.match(osp.basename(other))[2])
        if match and step >= int(match[2]):
            continue
        if osp.abspath(other) != osp.abspath(path) and \
                checkpoint_problem(other) is None:
            return other
    return None
