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
