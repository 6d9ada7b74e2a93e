"""Where the configs, tools and model index of this package are.

A checkout (or an editable install) has them at the repository root; a
wheel or ``pip install .`` puts them in the package's ``.mim`` folder, as
OpenMMLab projects do, where ``mim train mmpretrain_mlr CONFIG`` finds them.
"""
import os.path as osp
from typing import Optional

PACKAGE_DIR = osp.dirname(osp.dirname(osp.abspath(__file__)))
MODEL_INDEX = 'model-index.yml'


def package_files_root() -> Optional[str]:
    """The folder holding ``configs/``, ``tools/`` and ``model-index.yml``.

    Returns:
        str | None: The repository root of a checkout, else the installed
        package's ``.mim`` folder; None if neither has them.
    """
    checkout = osp.dirname(PACKAGE_DIR)
    installed = osp.join(PACKAGE_DIR, '.mim')
    if osp.isfile(osp.join(checkout, 'setup.py')) and \
            osp.isfile(osp.join(checkout, MODEL_INDEX)):
        return checkout
    if osp.isfile(osp.join(installed, MODEL_INDEX)):
        return installed
    return None


def config_file(name: str) -> str:
    """The path of one of this package's configs.

    Args:
        name (str): Path under ``configs/``, e.g. ``'dualcoop/coco.py'``.

    Returns:
        str: The config file's path (installed or in the checkout).
    """
    root = package_files_root()
    path = osp.join(root or '', 'configs', name)
    if root is None or not osp.isfile(path):
        raise FileNotFoundError(
            f'{name!r} is not a config of mmpretrain_mlr (looked for '
            f'{path!r}); configs are named by their path under configs/, '
            "e.g. 'dualcoop/coco.py'")
    return path


def register_model_index() -> bool:
    """Add this package's models to mmpretrain's ``ModelHub``, so that
    ``mmpretrain.list_models('*dualcoop*')`` lists them; once.

    Returns:
        bool: True if they were added now.
    """
    from mmpretrain.apis.model import ModelHub
    root = package_files_root()
    if root is None or getattr(ModelHub, '_mmpretrain_mlr_registered',
                               False):
        return False
    ModelHub.register_model_index(osp.join(root, MODEL_INDEX),
                                  config_prefix=root)
    ModelHub._mmpretrain_mlr_registered = True
    return True
