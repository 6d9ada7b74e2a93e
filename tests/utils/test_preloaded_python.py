"""PreloadedPython: scripts run as ``__main__`` in processes forked from a
server that imported the package; arguments, working directory,
environment, output and exit status as a fresh interpreter's."""
import textwrap

import pytest

from mmpretrain_mlr.utils.preloaded_python import PreloadedPython

SCRIPT = textwrap.dedent('''
    import os, sys
    print('preloaded', 'mmpretrain_mlr' in sys.modules)
    print('name', __name__)
    print('argv', sys.argv[1:])
    print('cwd', os.getcwd())
    print('env', os.environ.get('PRELOADED_TEST'))
    import torch
    print('threads', torch.get_num_threads())
    print('to stderr', file=sys.stderr)
    if sys.argv[1] == 'fail':
        raise ValueError('as asked')
    sys.exit(int(sys.argv[1]))
''')


@pytest.fixture(scope='module')
def launcher():
    return PreloadedPython()


def test_a_script_runs_as_in_a_fresh_interpreter(launcher, tmp_path):
    script = tmp_path / 'script.py'
    script.write_text(SCRIPT)
    log = tmp_path / 'out.log'
    code = launcher.run(str(script), ['3', 'x y'], str(log),
                        cwd=str(tmp_path),
                        env=dict(PRELOADED_TEST='yes', OMP_NUM_THREADS='1'))
    assert code == 3
    lines = log.read_text().splitlines()
    assert lines[:6] == ['preloaded True', 'name __main__',
                         "argv ['3', 'x y']", f'cwd {tmp_path}', 'env yes',
                         'threads 1']
    assert 'to stderr' in lines


def test_an_exception_is_a_failing_status_with_its_traceback(launcher,
                                                              tmp_path):
    script = tmp_path / 'script.py'
    script.write_text(SCRIPT)
    log = tmp_path / 'out.log'
    assert launcher.run(str(script), ['fail'], str(log)) == 1
    assert 'ValueError: as asked' in log.read_text()
    assert launcher.run(str(script), ['0'], str(log)) == 0


PARENT = textwrap.dedent('''
    import sys
    from mmpretrain_mlr.utils.preloaded_python import PreloadedPython
    if __name__ == '__main__':
        PreloadedPython(preload=()).run(sys.argv[1], [], sys.argv[2])
''')
SLEEPER = textwrap.dedent('''
    import os, time
    print(os.getpid(), flush=True)
    time.sleep(120)
''')


def _alive(pid):
    """Whether ``pid`` runs (an ended process not yet reaped does not)."""
    try:
        with open(f'/proc/{pid}/stat') as f:
            return f.read().rsplit(')', 1)[1].split()[0] != 'Z'
    except FileNotFoundError:
        return False


def test_a_run_ends_when_the_program_that_started_it_is_killed(tmp_path):
    """A sweep killed mid-run (SIGKILL: no clean-up of its own) leaves no
    run behind: the forkserver ends with it, and the run with the
    forkserver."""
    import os
    import signal
    import subprocess
    import sys
    import time
    (tmp_path / 'parent.py').write_text(PARENT)
    (tmp_path / 'sleeper.py').write_text(SLEEPER)
    log = tmp_path / 'run.log'
    parent = subprocess.Popen(
        [sys.executable, str(tmp_path / 'parent.py'),
         str(tmp_path / 'sleeper.py'), str(log)])
    try:
        deadline = time.time() + 60
        while not log.is_file() or not log.read_text().strip():
            assert time.time() < deadline and parent.poll() is None
            time.sleep(0.1)
        run = int(log.read_text().split()[0])
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait()
        deadline = time.time() + 15
        while time.time() < deadline and _alive(run):
            time.sleep(0.1)
        if _alive(run):
            os.kill(run, signal.SIGKILL)
            pytest.fail('the run outlived the program that started it')
    finally:
        if parent.poll() is None:
            parent.kill()
