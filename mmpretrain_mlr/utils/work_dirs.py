"""Default work directories that do not collide across methods."""
import os.path as osp


def default_work_dir(config_file: str, root: str = './work_dirs') -> str:
    """``<root>/<folder of the config>/<config name>``.

    mmpretrain's default, ``<root>/<config name>``, sends
    ``configs/dualcoop/coco.py`` and ``configs/trm_ml/coco.py`` to the same
    ``work_dirs/coco``, where ``--resume`` would pick up the other method's
    checkpoint. The config's folder names the method here.

    Args:
        config_file (str): Path of the config file.
        root (str): Folder of all work directories.
            Defaults to ``'./work_dirs'``.

    Returns:
        str: E.g. ``'./work_dirs/trm_ml/coco'``.
    """
    config_file = osp.abspath(config_file)
    method = osp.basename(osp.dirname(config_file))
    name = osp.splitext(osp.basename(config_file))[0]
    return osp.join(root, method, name)
