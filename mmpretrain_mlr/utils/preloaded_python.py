"""Run repository scripts in processes that start with the package already
imported.

Importing torch, mmengine, mmpretrain and this package takes seconds
(about 8 on a 2-core machine): a sweep of short runs pays it once per run.
:class:`PreloadedPython` forks each run from a server process (Python's
``forkserver``) that imported the package once and has run nothing else:
no tensor operation, so no OpenMP thread pool a child could inherit in a
broken state. Each run is still a process of its own (its own globals,
registries as imported, memory returned at exit), started in about 0.1 s.
"""
import multiprocessing
import os
import runpy
import sys
from typing import Dict, Optional, Sequence


def _run_script(script: str, args: Sequence[str], cwd: str,
                env: Dict[str, str], log_file: str) -> None:
    """Child process: run ``script`` as ``__main__`` with ``args``, its
    output (and that of anything it starts) written to ``log_file``."""
    os.chdir(cwd)
    os.environ.update(env)
    log = os.open(log_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    if os.environ.get('OMP_NUM_THREADS', '').isdigit():
        import torch  # already imported by the server: the pool is not
        torch.set_num_threads(int(os.environ['OMP_NUM_THREADS']))
    sys.argv = [script, *args]
    sys.path.insert(0, os.path.dirname(os.path.abspath(script)))
    code = 0
    try:
        runpy.run_path(script, run_name='__main__')
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (
            0 if exit_.code is None else 1)
        if not isinstance(exit_.code, (int, type(None))):
            print(exit_.code, file=sys.stderr)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    sys.exit(code)


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
        negative number: killed by that signal).

        Args:
            script (str): path of the Python script.
            args (Sequence[str]): its command-line arguments.
            log_file (str): where its stdout and stderr go.
            cwd (str, optional): its working directory (default: ours).
            env (dict, optional): environment variables to set for it.
        """
        process = self.context.Process(
            target=_run_script,
            args=(script, list(map(str, args)), cwd or os.getcwd(),
                  dict(env or {}), log_file))
        process.start()
        process.join()
        return process.exitcode
