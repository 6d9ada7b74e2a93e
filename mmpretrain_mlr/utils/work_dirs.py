"""Default work directories that do not collide across methods."""
import os.path as osp
import sys
from typing import Optional, Sequence

from mmengine.logging import print_log

WORK_DIRS = './work_dirs'


def default_work_dir(config_file: str, root: str = WORK_DIRS) -> str:
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


def mmpretrain_work_dir(config_file: str) -> str:
    """The work directory mmpretrain's ``tools/train.py`` / ``test.py``
    choose when neither the command line nor the config names one
    (``./work_dirs/<config name>``)."""
    return osp.join(WORK_DIRS, osp.splitext(osp.basename(config_file))[0])


def _work_dir_on_command_line(argv: Sequence[str]) -> bool:
    return any(arg in ('--work-dir', '--work_dir') or
               arg.startswith(('--work-dir=', '--work_dir=')) for arg in argv)


def resolve_work_dir(cfg, argv: Optional[Sequence[str]] = None) -> str:
    """Apply the work-directory rule to ``cfg``; in place.

    Priority: the command line (``--work-dir``), then the config's own
    ``work_dir``, then :func:`default_work_dir` of the config file. A
    ``work_dir`` that is exactly mmpretrain's tool default
    (``./work_dirs/<config name>``, set by mmpretrain's ``tools/train.py``
    when it was given none) while the command line has no ``--work-dir``
    is taken as "none given" and replaced, with a log line.

    Args:
        cfg (mmengine.Config): The config (``cfg.filename`` names its file).
        argv (Sequence[str], optional): The command line; defaults to
            ``sys.argv``.

    Returns:
        str: The work directory.

    Raises:
        ValueError: No work directory and no config file to derive it from.
    """
    argv = sys.argv if argv is None else argv
    work_dir = cfg.get('work_dir')
    filename = getattr(cfg, 'filename', None)
    if not filename:
        if work_dir is None:
            raise ValueError(
                'work_dir: the config has none and was not loaded from a '
                'file (no name to derive work_dirs/<folder>/<name> from); '
                'set cfg.work_dir')
        return work_dir
    if work_dir is None:
        cfg.work_dir = default_work_dir(filename)
    elif (work_dir == mmpretrain_work_dir(filename)
          and work_dir != default_work_dir(filename)
          and not _work_dir_on_command_line(argv)):
        cfg.work_dir = default_work_dir(filename)
        print_log(
            f'work_dir: {cfg.work_dir} (work_dirs/<config folder>/<config '
            f'name>) instead of the tool\'s default {work_dir}, so that '
            'configs of the same name in different folders do not share '
            'one; give --work-dir to choose', logger='current')
    return cfg.work_dir
