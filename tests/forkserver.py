"""Fresh-process runs without the import bill: children of a forkserver
that has imported the package once.

A fresh interpreter spends seconds importing torch, mmengine and mmpretrain
before it does anything. The forkserver (one per test process, started on
first use) pays that once; each child forked from it then starts as a fresh
process would (the package's ``utils/preloaded_python.py``, which
``compare_variants.py`` runs its sweeps with): its own environment,
Python's and numpy's random generators seeded afresh, torch's generator
at its start seed, no multiprocessing start method chosen yet, and
torch's thread count from
``OMP_NUM_THREADS`` (torch is imported already, so the variable alone
would not reach its thread pool). :func:`run_script` runs a script as
``python SCRIPT ARGS`` would; :func:`start_processes` runs a function in
several processes at once, as ``torch.multiprocessing.start_processes``
with ``spawn`` would.

Why not a fork of the test process itself: the test process has run torch
operations, so it holds an OpenMP thread pool that a forked child can
deadlock in. The forkserver runs no torch operation, so it has no pool to
pass on.

What a child cannot have afresh: Python's string-hash seed (one per
forkserver) and the modules imported before it started. Tests whose point
is a fresh interpreter (import order, interpreter exit, launchers) start
real processes instead.
"""
import multiprocessing
import multiprocessing.forkserver
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

from mmpretrain_mlr.utils.preloaded_python import run_as_main, start_afresh

#: modules the forkserver imports once, before it forks any child
#: (open_clip: the package imports it when it first builds a CLIP)
PRELOAD = ['mmpretrain_mlr', 'open_clip']
#: environment of the forkserver, and what :func:`start_processes` adds to
#: its children's: CPU only, one OpenMP thread per process
SERVER_ENV = dict(CUDA_VISIBLE_DEVICES='', OMP_NUM_THREADS='1')


def forkserver_context():
    """The ``forkserver`` multiprocessing context, its server running.

    The server is started (once per test process) with :data:`SERVER_ENV`
    added to the environment, so that no CUDA is set up in it before it
    forks, and :data:`PRELOAD` imported.

    Returns:
        multiprocessing.context.ForkServerContext: The context.
    """
    multiprocessing.set_forkserver_preload(PRELOAD)
    saved = {name: os.environ.get(name) for name in SERVER_ENV}
    os.environ.update(SERVER_ENV)
    try:
        multiprocessing.forkserver.ensure_running()
    finally:
        for name, value in saved.items():
            if value is None:
                del os.environ[name]
            else:
                os.environ[name] = value
    return multiprocessing.get_context('forkserver')


def _read_text(path):
    with open(path, errors='replace') as f:
        return f.read()


def run_script(script, args, env, cwd, timeout):
    """Run a Python script in a forkserver child, as ``subprocess.run`` of
    ``python script *args`` with ``capture_output=True, text=True`` would.

    Args:
        script (str): Absolute path of the script.
        args (list[str]): Its arguments.
        env (dict): Its whole environment.
        cwd (str): Its working directory.
        timeout (float): Seconds before the child is killed.

    Returns:
        subprocess.CompletedProcess: ``returncode`` (negative: the signal
        that ended it), ``stdout`` and ``stderr`` as text.

    Raises:
        subprocess.TimeoutExpired: The child ran past ``timeout``.
    """
    command = [sys.executable, script, *args]
    with tempfile.TemporaryDirectory() as folder:
        paths = [osp.join(folder, name) for name in ('stdout', 'stderr')]
        for path in paths:
            open(path, 'w').close()
        child = forkserver_context().Process(
            target=run_as_main,
            args=(script, list(args), dict(env), cwd, *paths),
            kwargs=dict(client_pid=os.getpid()))  # ends if pytest is killed
        child.start()
        child.join(timeout)
        if child.exitcode is None:
            child.kill()
            child.join()
            raise subprocess.TimeoutExpired(command, timeout)
        stdout, stderr = map(_read_text, paths)
    return subprocess.CompletedProcess(command, child.exitcode, stdout,
                                       stderr)


def _call_afresh(rank, env, fn, *args):
    start_afresh(env)
    fn(rank, *args)


def start_processes(fn, args=(), nprocs=2, timeout=300):
    """Run ``fn(rank, *args)`` in ``nprocs`` forkserver children at once.

    As ``torch.multiprocessing.start_processes(fn, args, nprocs,
    start_method='spawn')`` would: an exception in a child is raised here
    (the others killed); each child has this process's environment, plus
    :data:`SERVER_ENV`.

    Args:
        fn (callable): A module-level function (children import it).
        args (tuple): Its arguments after the rank; picklable, or
            synchronisation objects of :func:`forkserver_context`.
        nprocs (int): Number of processes.
        timeout (float): Seconds before the children are killed and
            ``TimeoutError`` is raised.
    """
    import torch.multiprocessing as mp

    forkserver_context()
    env = dict(os.environ, **SERVER_ENV)
    context = mp.start_processes(_call_afresh, args=(env, fn, *args),
                                 nprocs=nprocs, join=False,
                                 start_method='forkserver')
    deadline = time.monotonic() + timeout
    while not context.join(max(deadline - time.monotonic(), 0)):
        if time.monotonic() >= deadline:
            for process in context.processes:
                process.kill()
            raise TimeoutError(f'{fn.__name__} ran past {timeout} s')
