import subprocess
import sys

import pytest

from mmpretrain_mlr.utils.mmcv_check import require_mmcv

INSTALL_ROUTES = ('pip install mmcv-lite', 'pip install mmpretrain-mlr[lite]',
                  'mim install mmcv')


def test_returns_mmcv_when_installed():
    assert require_mmcv().__name__ == 'mmcv'


def test_missing_mmcv_names_both_install_routes(monkeypatch):
    monkeypatch.setitem(sys.modules, 'mmcv', None)  # `import mmcv` fails
    with pytest.raises(ImportError) as info:
        require_mmcv()
    for route in INSTALL_ROUTES:
        assert route in str(info.value)
    assert isinstance(info.value.__cause__, ImportError)


def test_package_import_checks_mmcv_before_mmpretrain():
    code = "import sys; sys.modules['mmcv'] = None; import mmpretrain_mlr"
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0
    assert 'ImportError: mmpretrain_mlr needs the `mmcv` module' in proc.stderr
    for route in INSTALL_ROUTES:
        assert route in proc.stderr
