"""Fail early, and clearly, when the ``mmcv`` module is missing.

mmpretrain imports ``mmcv`` at import time; without it the user gets a bare
``ModuleNotFoundError: No module named 'mmcv'`` from deep inside mmpretrain.
:func:`require_mmcv` runs first in ``mmpretrain_mlr/__init__.py`` and says
which package to install instead.
"""
import importlib

MMCV_MISSING_MESSAGE = (
    'mmpretrain_mlr needs the `mmcv` module (required by mmpretrain), but it '
    'could not be imported{reason}. Install one of:\n'
    '  - mmcv-lite (no compiled ops; enough for mmpretrain_mlr):\n'
    '        pip install mmcv-lite          '
    '# or: pip install mmpretrain-mlr[lite]\n'
    '  - full mmcv (compiled CUDA/C++ ops, needed only by other OpenMMLab '
    'components):\n'
    '        pip install -U openmim && mim install mmcv\n'
    'mmpretrain 1.x supports mmcv / mmcv-lite >=2.0.0,<2.4.0.')


def require_mmcv():
    """Import ``mmcv`` or raise an ImportError naming both install routes.

    Returns:
        module: The imported ``mmcv`` module.

    Raises:
        ImportError: If ``import mmcv`` fails. The original error is chained
            and quoted, since a broken install fails differently from a
            missing one.
    """
    try:
        return importlib.import_module('mmcv')
    except ImportError as err:
        reason = f' ({type(err).__name__}: {err})'
        raise ImportError(MMCV_MISSING_MESSAGE.format(reason=reason)) from err
