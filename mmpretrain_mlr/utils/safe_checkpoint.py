"""Weights-only checkpoint loading for mmengine on PyTorch >= 2.6.

mmengine 0.10.x loads local checkpoints with ``torch.load(filename,
map_location=...)``. Since PyTorch 2.6 that means ``weights_only=True``, and
mmengine's own checkpoints then fail: their ``message_hub`` holds
:class:`~mmengine.logging.HistoryBuffer` objects with numpy arrays and numpy
scalars inside.

This module keeps ``weights_only=True`` and instead

1. allowlists exactly the globals such checkpoints contain (found by saving
   checkpoints from real Runner runs and listing them with
   ``torch.serialization.get_unsafe_globals_in_checkpoint``), see
   :func:`checkpoint_safe_globals`;
2. replaces mmengine's local-file loader (scheme prefix ``''``, used by
   ``load_from``, ``resume`` and ``load_checkpoint``) with
   :func:`load_from_local_safe`, which loads with ``weights_only=True`` and
   turns a refusal into an :class:`UnsafeCheckpointError` that names the file,
   the refused global and how to allowlist it. It never retries with
   ``weights_only=False``, nor suggests it. An empty, truncated or
   otherwise unreadable file gives a :class:`CorruptCheckpointError` naming
   it;
3. checks the tensors of a checkpoint against the digest written with it
   (``meta['tensor_digest']``, see :mod:`.checkpoint_digest`): a file whose
   content changed after it was written gives a
   :class:`ChecksumMismatchError` naming it; a checkpoint without a digest
   (written by an older version or another tool) loads with a warning.
"""
import logging
import os.path as osp
import pickle
import re
import zipfile

import numpy as np
import torch
from mmengine.logging import print_log
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner.checkpoint import CheckpointLoader

from .checkpoint_digest import digest_problem
from .resume_checkpoint import checkpoint_problem, previous_readable_checkpoint

try:  # numpy 2.x, where `numpy.core` is a deprecated alias
    from numpy._core import multiarray as _np_multiarray
except ImportError:  # numpy 1.x
    from numpy.core import multiarray as _np_multiarray

# HistoryBuffer.__getstate__ stores the class-level ``_statistics_methods``
# dict, whose values are the functions ``HistoryBuffer.min`` etc. Pickle
# protocol 2 writes a class attribute as ``getattr(HistoryBuffer, 'min')``.
_SAFE_ATTRIBUTES = {HistoryBuffer: ('min', 'max', 'current', 'mean')}

# Data types of the numpy arrays and scalars in a message hub (loss and
# metric histories, ``eta``). Each dtype instance has its own class
# (``numpy.dtypes.Float64DType`` ...), which weights-only unpickling checks
# when it restores the dtype's state.
_NUMPY_DTYPES = ('bool', 'int8', 'int16', 'int32', 'int64', 'uint8',
                 'uint16', 'uint32', 'uint64', 'float16', 'float32',
                 'float64', 'complex64', 'complex128')

_REFUSED_PATTERNS = (
    r'GLOBAL (\S+) was not an allowed global',
    r'unsupported GLOBAL (\S+) whose module',
    r"but got <class '([^']+)'>",
    r'unrecognized function (\S+)',
    r'(builtins\.getattr\(.*?\))',
)


class UnsafeCheckpointError(pickle.UnpicklingError):
    """A checkpoint holds a Python object outside the weights-only allowlist.
    """


class CorruptCheckpointError(RuntimeError):
    """A checkpoint file is empty, truncated or not a checkpoint at all."""


class ChecksumMismatchError(CorruptCheckpointError):
    """A checkpoint's tensors differ from the digest written with them."""


def restricted_getattr(obj, name):
    """Stand-in for ``builtins.getattr`` during weights-only unpickling.

    Only the attribute look-ups mmengine's own objects need are allowed, so a
    checkpoint cannot reach arbitrary attributes (``__globals__``,
    ``__subclasses__`` ...) through ``getattr``.

    Args:
        obj (object): The object the checkpoint asks an attribute of.
        name (str): The attribute name.

    Returns:
        object: ``getattr(obj, name)`` for an allowed pair.

    Raises:
        pickle.UnpicklingError: For any other pair.
    """
    allowed = _SAFE_ATTRIBUTES.get(obj, ()) if isinstance(obj, type) else ()
    if name not in allowed:
        raise pickle.UnpicklingError(
            f'builtins.getattr({obj!r}, {name!r}) is not allowed; the '
            f'weights-only allowlist permits getattr only on '
            f'{ {k.__qualname__: v for k, v in _SAFE_ATTRIBUTES.items()} }')
    return getattr(obj, name)


def checkpoint_safe_globals():
    """List the globals mmengine/mmpretrain checkpoints need, as accepted by
    ``torch.serialization.add_safe_globals``.

    numpy's array/scalar rebuild functions are registered under both their
    numpy 1.x (``numpy.core.multiarray``) and 2.x (``numpy._core.multiarray``)
    paths, so checkpoints written under either major version load under the
    other.

    Returns:
        list: Classes, and ``(object, 'module.qualname')`` tuples.
    """
    safe = [HistoryBuffer, np.ndarray, np.dtype,
            (restricted_getattr, 'builtins.getattr')]
    for core in ('numpy.core', 'numpy._core'):
        module = f'{core}.multiarray'
        safe += [(_np_multiarray._reconstruct, f'{module}._reconstruct'),
                 (_np_multiarray.scalar, f'{module}.scalar')]
    # `numpy.dtypes.<Name>DType`; a set, as some names share one class.
    safe += sorted({type(np.dtype(name)) for name in _NUMPY_DTYPES},
                   key=lambda cls: cls.__name__)
    return safe


def _describe_refusal(message):
    """Split torch's weights-only error into (refused global, detail).

    torch wraps the unpickler's reason in advice to retry with
    ``weights_only=False`` and a link to its documentation; only the reason
    itself is kept.
    """
    detail = re.search(r'WeightsUnpickler error:\s*(.*?)\s*(Check the '
                       r'documentation|$)', message, re.S)
    if detail:
        detail = detail.group(1)
    else:  # PyTorch >= 2.9: the reason is a paragraph of its own
        paragraphs = [p.strip() for p in re.split(r'\n\s*\n', message)]
        detail = ' '.join(
            p for p in paragraphs if p and 'weights_only' not in p
            and not p.startswith(('Weights only load failed',
                                  'Check the documentation')))
        detail = detail or message
    for pattern in _REFUSED_PATTERNS:
        match = re.search(pattern, detail)
        if match:
            return match.group(1).rstrip('.,'), detail
    return '<unknown; see the reason below>', detail


def _allowlist_hint(refused):
    """Code a user who trusts the file can run to allowlist ``refused``."""
    if re.fullmatch(r'[\w.]+\.\w+', refused) and \
            not refused.startswith('builtins.getattr'):
        module, name = refused.rsplit('.', 1)
        return (f'    from {module} import {name}\n'
                f'    torch.serialization.add_safe_globals([{name}])')
    return ('    torch.serialization.add_safe_globals([<the class or function '
            'named above>])')


def load_from_local_safe(filename, map_location=None):
    """Load a local checkpoint with ``torch.load(..., weights_only=True)``.

    Registered as mmengine's loader for plain paths (scheme prefix ``''``)
    by :func:`register_safe_checkpoint_loading`.

    Args:
        filename (str): Local checkpoint path (``~`` is expanded).
        map_location (str | torch.device | Callable, optional): Passed to
            ``torch.load``.

    Returns:
        dict: The loaded checkpoint.

    Raises:
        FileNotFoundError: If ``filename`` is not a file.
        UnsafeCheckpointError: If the file holds an object outside the
            allowlist (the message names it).
        CorruptCheckpointError: If the file is empty, truncated or
            otherwise unreadable (the message names the file and the newest
            readable checkpoint before it in the same folder).
    """
    filename = osp.expanduser(filename)
    if not osp.isfile(filename):
        raise FileNotFoundError(f'Checkpoint file {filename!r} does not '
                                'exist (expected a .pth file written by '
                                'torch.save / an mmengine Runner).')
    try:
        checkpoint = torch.load(
            filename, map_location=map_location, weights_only=True)
    except Exception as err:  # noqa: B902  (re-raised, with the file name)
        problem = checkpoint_problem(filename)
        if problem is None and isinstance(err, pickle.UnpicklingError) and \
                'Weights only load failed' in str(err):
            _raise_refusal(filename, err)
        previous = previous_readable_checkpoint(filename)
        raise CorruptCheckpointError(
            f'Checkpoint file {filename!r} cannot be read: '
            f'{problem or f"{type(err).__name__}: {err}"}. It was probably '
            'cut short while being written or copied.'
            + (f' The newest readable checkpoint before it is {previous!r}.'
               if previous else '')) from err
    check_digest(filename, checkpoint)
    return checkpoint


def check_digest(filename, checkpoint) -> None:
    """Compare a loaded checkpoint with its ``meta['tensor_digest']``.

    Args:
        filename (str): The file it was loaded from, for messages.
        checkpoint: What ``torch.load`` returned.

    Raises:
        ChecksumMismatchError: If a tensor differs from the digest (the
            message names the file and the first differing tensor).
    """
    problem = digest_problem(checkpoint)
    if problem is None:
        return
    if problem == 'no digest':
        print_log(
            f'Checkpoint {filename!r} has no content digest '
            "(meta['tensor_digest']; checkpoints written by older versions "
            'or other tools have none): its tensors cannot be checked for '
            'damage. Loading it as it is.', logger='current',
            level=logging.WARNING)
        return
    previous = previous_readable_checkpoint(filename)
    raise ChecksumMismatchError(
        f'Checkpoint file {filename!r} does not match the content digest '
        f"written with it (meta['tensor_digest']): {problem}. The file "
        'changed after it was saved (a damaged disk or copy, or an edit); '
        'its weights cannot be trusted.'
        + (f' The newest readable checkpoint before it is {previous!r}.'
           if previous else '')
        + " If you changed it on purpose, save it again without "
        "meta['tensor_digest'].")


# Globals that run code or reach the file system / other code when called
# while unpickling: no checkpoint needs them, so the refusal never suggests
# allowlisting them. torch blocks some modules outright (os, subprocess,
# ...); these it merely does not allow.
_CODE_RUNNING = re.compile(
    r'(builtins\.)?(eval|exec|compile|__import__|open|getattr|setattr|'
    r'delattr|globals|locals|vars|input|breakpoint|exit|quit)'
    r'|(importlib|runpy|code|codeop|pty|shutil|socket|ctypes|pickle|'
    r'marshal|sys|os|posix|nt|subprocess)'
    r'(\.\S*)?')


def _is_plain_pickle(filename) -> bool:
    """Whether ``filename`` is a pickle written by ``pickle.dump`` rather
    than by ``torch.save`` (a zip archive, or torch's legacy format whose
    first pickled object is its magic number). Reads the first pickled
    object with an unpickler that refuses every global, so nothing runs."""
    if zipfile.is_zipfile(filename):
        return False

    class _NoGlobals(pickle.Unpickler):
        def find_class(self, module, name):
            raise pickle.UnpicklingError(f'{module}.{name}')

        def persistent_load(self, pid):
            raise pickle.UnpicklingError('persistent id')

    try:
        with open(filename, 'rb') as f:
            first = _NoGlobals(f).load()
    except pickle.UnpicklingError:
        return True  # a global or persistent id before any magic number
    except Exception:  # noqa: B902  (not a pickle at all, or cut short)
        return False
    return not (isinstance(first, int)
                and first == torch.serialization.MAGIC_NUMBER)


def _strip_allowlist_advice(detail: str) -> str:
    """Drop torch's sentences advising to allowlist the refused global."""
    sentences = re.split(r'(?<=[.!?])\s+', detail)
    kept = [s for s in sentences if 'safe_globals' not in s
            and 'weights_only' not in s]
    return ' '.join(kept) or detail


def _raise_refusal(filename, err):
    """Raise :class:`UnsafeCheckpointError` for torch's refusal ``err``."""
    refused, detail = _describe_refusal(str(err))
    detail = _strip_allowlist_advice(detail)
    blocked = re.search(r'whose module (\S+) is blocked', detail)
    if blocked:
        raise UnsafeCheckpointError(
            f'Refused to load checkpoint {filename!r}: it calls '
            f'`{refused}`; torch blocks the module `{blocked.group(1)}` '
            'outright, because loading it runs code on this machine. No '
            'model checkpoint needs it: do not use this file. '
            f'Reason given by torch.load: {detail}') from None
    if _is_plain_pickle(filename):
        raise UnsafeCheckpointError(
            f'Refused to load {filename!r}: it is a plain pickle file '
            '(written by pickle.dump, not torch.save). Unpickling such a '
            'file can run any code it holds, and mmpretrain_mlr loads only '
            'torch.save checkpoints, with torch.load(weights_only=True). If '
            'you made this file yourself, write its tensors with torch.save '
            'instead. '
            f'Reason given by torch.load: {detail}') from None
    if _CODE_RUNNING.fullmatch(refused):
        raise UnsafeCheckpointError(
            f'Refused to load checkpoint {filename!r}: it calls '
            f'`{refused}` while being unpickled, which runs code on this '
            'machine. No model checkpoint needs it: do not use this file. '
            f'Reason given by torch.load: {detail}') from None
    raise UnsafeCheckpointError(
        f'Refused to load checkpoint {filename!r}: it contains '
        f'`{refused}`, which is not on the weights-only allowlist '
        '(mmpretrain_mlr always loads with torch.load(weights_only=True); '
        'unpickling arbitrary objects can execute code). If you trust '
        'this file, allowlist the object before the checkpoint is loaded '
        '(e.g. in a module named in your config\'s `custom_imports`):\n'
        f'    import torch\n{_allowlist_hint(refused)}\n'
        f'Reason given by torch.load: {detail}') from None


def register_safe_checkpoint_loading():
    """Allowlist checkpoint globals and install :func:`load_from_local_safe`.

    Idempotent; runs on ``import mmpretrain_mlr``. Affects every
    ``CheckpointLoader`` user: ``Runner(load_from=...)``, ``--resume``,
    ``mmengine.runner.load_checkpoint`` and ``mmpretrain.apis``.
    """
    torch.serialization.add_safe_globals(checkpoint_safe_globals())
    CheckpointLoader.register_scheme(
        prefixes='', loader=load_from_local_safe, force=True)
