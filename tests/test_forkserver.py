"""The test harness's fresh-process stand-in (tests/forkserver.py): a script
run in a forkserver child sees what ``python SCRIPT ARGS`` would, and its
exit status and output come back as from ``subprocess.run``."""
import os
import signal
import textwrap

import pytest
from torch.multiprocessing import ProcessRaisedException

from tests.forkserver import run_script, start_processes

SCRIPT = textwrap.dedent('''
    import os, sys
    import numpy as np
    import torch
    print('preloaded', 'mmpretrain_mlr' in sys.modules)
    print('name', __name__)
    print('argv', sys.argv[1:])
    print('cwd', os.getcwd())
    print('env', os.environ.get('FORKSERVER_TEST'), 'HOME' in os.environ)
    print('path', sys.path[0] == os.path.dirname(__file__),
          '/from/pythonpath' in sys.path)
    print('threads', torch.get_num_threads())
    print('draw', np.random.randint(1 << 30))
    print('to stderr', file=sys.stderr)
    if sys.argv[1] == 'fail':
        raise ValueError('as asked')
    if sys.argv[1] == 'kill':
        os.kill(os.getpid(), 9)
    sys.exit(int(sys.argv[1]))
''')


@pytest.fixture
def script(tmp_path):
    path = tmp_path / 'script.py'
    path.write_text(SCRIPT)
    return str(path)


def run(script, *args, cwd='/'):
    env = dict(FORKSERVER_TEST='yes', OMP_NUM_THREADS='2',
               PYTHONPATH='/from/pythonpath')
    return run_script(script, list(args), env, cwd, timeout=60)


def test_a_script_sees_a_fresh_interpreter(script, tmp_path):
    proc = run(script, '3', 'x y', cwd=str(tmp_path))
    assert proc.returncode == 3
    lines = proc.stdout.splitlines()
    assert lines[:7] == ['preloaded True', 'name __main__',
                         "argv ['3', 'x y']", f'cwd {tmp_path}',
                         'env yes False', 'path True True', 'threads 2']
    assert proc.stderr == 'to stderr\n'
    # numpy's global generator seeded afresh in each child
    assert lines[7] != run(script, '0').stdout.splitlines()[7]


def test_exit_status_as_python_gives_it(script):
    failed = run(script, 'fail')
    assert failed.returncode == 1
    assert failed.stderr.startswith('to stderr\nTraceback (most recent')
    assert failed.stderr.endswith('ValueError: as asked\n')
    assert run(script, 'kill').returncode == -signal.SIGKILL
    assert run(script, '0').returncode == 0


def _write_rank(rank, folder):
    if rank == 1 and folder.endswith('fail'):
        raise RuntimeError('rank 1 fails')
    with open(os.path.join(folder, f'{rank}.txt'), 'w') as f:
        f.write(f"{os.environ['CUDA_VISIBLE_DEVICES']!r} {os.getppid()}")


def test_start_processes_runs_every_rank_and_raises_a_failure(tmp_path):
    start_processes(_write_rank, args=(str(tmp_path), ))
    for rank in (0, 1):
        visible, parent = (tmp_path / f'{rank}.txt').read_text().split()
        assert visible == "''"  # GPUs hidden
        assert int(parent) != os.getpid()  # not forks of this process
    (tmp_path / 'fail').mkdir()
    with pytest.raises(ProcessRaisedException, match='rank 1 fails'):
        start_processes(_write_rank, args=(str(tmp_path / 'fail'), ))

