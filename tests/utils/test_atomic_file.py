"""write_atomically: all or nothing."""
import os

import pytest

from mmpretrain_mlr.utils import write_atomically


def test_writes_and_replaces(tmp_path):
    path = tmp_path / 'sub' / 'out.txt'
    write_atomically(str(path), lambda f: f.write(b'first'))
    assert path.read_bytes() == b'first'
    write_atomically(str(path), lambda f: f.write(b'second'))
    assert path.read_bytes() == b'second'
    assert os.listdir(path.parent) == ['out.txt']


def test_failure_keeps_the_old_file_and_no_temporary(tmp_path):
    path = tmp_path / 'out.txt'
    path.write_bytes(b'old')

    def broken(f):
        f.write(b'half')
        raise RuntimeError('disk full')

    with pytest.raises(RuntimeError, match='disk full'):
        write_atomically(str(path), broken)
    assert path.read_bytes() == b'old'
    assert os.listdir(tmp_path) == ['out.txt']
