"""Run repository scripts in processes that start with the package already
imported.

Importing torch, mmengine, mmpretrain and this package takes seconds
(about 8 on a 2-core machine): a sweep of short runs pays it once per run.
:class:`PreloadedPython` forks each run from a server process (Python's
``forkserver``) that imported the package once and has run nothing else:
no tensor operation, so no OpenMP thread pool a child could inherit in a
broken state. Each run is still a process of its own, started as a fresh
``python SCRIPT ARGS`` would be (:func:`run_as_main`): its arguments,
environment, working directory, output, exit status, random generators
and thread count. What it cannot have afresh: Python's string-hash seed
(one per server) and the modules the server imported.
"""
import atexit
import multiprocessing
import os
import os.path as osp
import random
import runpy
import signal
import sys
import threading
import time
import traceback
from typing import Dict, Optional, Sequence


def start_afresh(env: Dict[str, str]) -> None:
    """In a forked child: the environment ``env`` and the start state of
    a fresh interpreter (random generators, start method, torch's thread
    count from ``OMP_NUM_THREADS``, which torch, already imported, would
    not read again)."""
    import numpy as np
    import torch

    os.environ.clear()
    os.environ.update(env)
    random.seed()
    np.random.seed()
    torch.manual_seed(torch.initial_seed())
    multiprocessing.set_start_method(None, force=True)
    if env.get('OMP_NUM_THREADS', '').isdigit():
        torch.set_num_threads(int(env['OMP_NUM_THREADS']))


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (one that ended but was not reaped yet
    does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f'/proc/{pid}/stat') as f:  # Linux: 'Z' for a zombie
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except OSError:
        return True


def end_with(pid: int, interval: float = 1.0) -> None:
    """In a forked child: end this process (SIGTERM) once process ``pid``,
    the program that asked for the run, is gone. Nothing else would: a
    forkserver lives on while any process it forked does, so a run would
    outlive a sweep or a test that was killed."""

    def watch():
        while process_alive(pid):
            time.sleep(interval)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name=f'end-with-{pid}',
                     daemon=True).start()


def run_as_main(script: str, args: Sequence[str], env: Dict[str, str],
                cwd: str, stdout_path: str,
                stderr_path: Optional[str] = None,
                client_pid: Optional[int] = None) -> None:
    """In a forked child: run ``script`` as ``python script *args`` would,
    its stdout (and that of anything it starts) written to
    ``stdout_path``, its stderr to ``stderr_path`` (default: the same
    file). The exit status follows Python's rules: ``SystemExit``'s code,
    else 1 with the traceback on stderr. With ``client_pid``, the run ends
    (SIGTERM) when that process does (:func:`end_with`)."""
    if client_pid is not None:
        end_with(client_pid)
    sys.stdout.flush()
    sys.stderr.flush()
    out = os.open(stdout_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(out, 1)
    if stderr_path is None:
        os.dup2(out, 2)
    else:
        err = os.open(stderr_path,
                      os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(err, 2)
        os.close(err)
    os.close(out)
    start_afresh(env)
    os.chdir(cwd)
    sys.argv = [script, *args]
    # as for `python script`: the script's folder, then $PYTHONPATH's
    sys.path[:0] = [osp.dirname(osp.abspath(script))] + [
        folder for folder in env.get('PYTHONPATH', '').split(os.pathsep)
        if folder]
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit:
        raise
    except BaseException:
        traceback.print_exc()
        sys.exit(1)
    finally:
        atexit._run_exitfuncs()  # what the interpreter does at its exit
        sys.stdout.flush()
        sys.stderr.flush()


class PreloadedPython:
    """Start Python scripts in processes forked from a server that has
    imported ``preload`` (once, on the first run).

    Args:
        preload (Sequence[str]): modules the server imports. Defaults to
            ``('mmpretrain_mlr', )``.
    """

    def __init__(self, preload: Sequence[str] = ('mmpretrain_mlr', )):
        self.context = multiprocessing.get_context('forkserver')
        self.context.set_forkserver_preload(list(preload))

    def run(self, script: str, args: Sequence[str], log_file: str,
            cwd: Optional[str] = None,
            env: Optional[Dict[str, str]] = None) -> int:
        """Run ``script args`` to its end; return its exit status (a
        negative number: killed by that signal). If this process ends
        first (killed), the run ends within a second.

        Args:
            script (str): path of the Python script.
            args (Sequence[str]): its command-line arguments.
            log_file (str): where its stdout and stderr go.
            cwd (str, optional): its working directory (default: ours).
            env (dict, optional): variables added to our environment.
        """
        process = self.context.Process(
            target=run_as_main,
            args=(script, list(map(str, args)), dict(os.environ, **(env or
                                                                    {})),
                  cwd or os.getcwd(), log_file),
            kwargs=dict(client_pid=os.getpid()))
        process.start()
        process.join()
        return process.exitcode
