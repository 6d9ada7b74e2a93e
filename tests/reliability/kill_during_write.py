"""Fault injection: SIGKILL this process part-way through a file write.

Imported by a test config (``custom_imports``). ``MLR_KILL_ON_WRITE=N``
kills the process during the N-th write of a checkpoint file (a name
containing ``.pth``: the checkpoint itself or a temporary file of it);
``MLR_KILL_ON_WRITE=pointer:N`` during the N-th write of
``last_checkpoint``; ``MLR_KILL_ON_WRITE=pointer-to:NAME`` during the first
write of ``last_checkpoint`` pointing to a file ending in ``NAME``, i.e.
just after that checkpoint was written. The write puts half of its bytes
into the file,
flushes them and kills the process, as a power cut or ``kill -9`` would.
Files are caught whether they are opened with ``open`` or ``os.fdopen``.
"""
import builtins
import os
import signal

_SPEC = os.environ.get('MLR_KILL_ON_WRITE', '')
_KIND, _, _ARG = _SPEC.partition(':') if ':' in _SPEC else ('', '', _SPEC)
_NEEDLE = _ARG if _KIND == 'pointer-to' else None
_TARGET = 1 if _NEEDLE else int(_ARG or 0)
_seen = 0


def _watched(path):
    name = os.path.basename(str(path))
    if _KIND.startswith('pointer'):
        return name.startswith(('last_checkpoint', '.last_checkpoint'))
    return '.pth' in name


class _KillingFile:
    """Wraps a file object; its first write (with ``needle``: the first
    one ending in it) kills the process half-way."""

    def __init__(self, file, needle=None):
        self._file = file
        self._needle = needle

    def write(self, data):
        if self._needle is not None:
            text = data.decode() if isinstance(data, bytes) else data
            if not text.endswith(self._needle):
                return self._file.write(data)
        half = data[:max(1, len(data) // 2)]
        self._file.write(half)
        self._file.flush()
        os.fsync(self._file.fileno())
        os.kill(os.getpid(), signal.SIGKILL)

    def __getattr__(self, name):
        return getattr(self._file, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._file.__exit__(*exc)


def _maybe_wrap(file, path, mode):
    global _seen
    if _TARGET and any(m in mode for m in 'wax') and _watched(path):
        if _NEEDLE:
            return _KillingFile(file, _NEEDLE)
        _seen += 1
        if _seen == _TARGET:
            return _KillingFile(file)
    return file


_open, _fdopen = builtins.open, os.fdopen


def _patched_open(file, mode='r', *args, **kwargs):
    return _maybe_wrap(_open(file, mode, *args, **kwargs), file, mode)


def _patched_fdopen(fd, mode='r', *args, **kwargs):
    try:
        path = os.readlink(f'/proc/self/fd/{fd}')
    except OSError:
        path = ''
    return _maybe_wrap(_fdopen(fd, mode, *args, **kwargs), path, mode)


if _TARGET:
    builtins.open = _patched_open
    os.fdopen = _patched_fdopen
