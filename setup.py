"""Install mmpretrain-mlr: ``pip install -e .[lite,tests]``."""
import os.path as osp
import shutil

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

# What an installed OpenMMLab project carries in `<package>/.mim`, where
# `mim train` / `mim test` and mmpretrain's ModelHub look for them.
MIM_FILES = ('configs', 'tools', 'model-index.yml')


class BuildPyWithMim(build_py):
    """``build_py`` that also copies :data:`MIM_FILES` into
    ``mmpretrain_mlr/.mim`` of the build (what mmpretrain's
    ``add_mim_extension`` copies into its source tree), so that a wheel and
    ``pip install .`` hold them; an editable install reads them from the
    checkout."""

    def run(self):
        super().run()
        if getattr(self, 'editable_mode', False):
            return
        target = osp.join(self.build_lib, 'mmpretrain_mlr', '.mim')
        self.mkpath(target)
        for name in MIM_FILES:
            src, dst = osp.join(osp.dirname(osp.abspath(__file__)), name), \
                osp.join(target, name)
            if osp.isdir(dst):
                shutil.rmtree(dst)
            if osp.isdir(src):
                shutil.copytree(src, dst, ignore=shutil.ignore_patterns(
                    '__pycache__', '*.pyc'))
            else:
                self.copy_file(src, dst)


def read_version():
    namespace = {}
    with open(osp.join('mmpretrain_mlr', 'version.py')) as f:
        exec(f.read(), namespace)
    return namespace['__version__']


setup(
    name='mmpretrain-mlr',
    version=read_version(),
    description='Multi-label recognition with incomplete labels on CLIP, '
    'as an mmpretrain plug-in (DualCoOp, TRM-ML, SigRL)',
    long_description=(open('README.md').read()
                      if osp.exists('README.md') else ''),
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmpretrain_mlr', 'mmpretrain_mlr.*']),
    # the weights this project ships for its own CLIPs (checked by SHA-256)
    package_data={'mmpretrain_mlr': ['models/clip/weights/*.pth',
                                     'models/clip/weights/*.json']},
    python_requires='>=3.8',
    install_requires=[
        # torch.serialization.add_safe_globals (weights-only checkpoints)
        # arrived in 2.4; any later release works.
        'torch>=2.4',
        'torchvision',
        'mmengine>=0.10.7,<1',
        'mmpretrain>=1.2,<2',
        # `local-dir:` model folders (docs/configs.md) arrived in 3.0
        'open_clip_torch>=3.0',
        'numpy',
    ],
    extras_require={
        # The `mmcv` module without compiled ops: all this package needs.
        'lite': ['mmcv-lite>=2.0.0,<2.4.0'],
        # pytest-xdist: the README's test command runs 2 workers (-n 2)
        'tests': ['pytest', 'pytest-xdist', 'scikit-learn', 'ruff'],
        # `mim train mmpretrain_mlr CONFIG` / `mim test` (OpenMMLab's CLI);
        # mim and mmengine's `pkg::` config lookup import pkg_resources,
        # which setuptools removed in release 81.
        'mim': ['openmim', 'setuptools<81'],
        # logging to TensorBoard / Weights & Biases: add
        # dict(type='TensorboardVisBackend') / dict(type='WandbVisBackend')
        # to vis_backends (docs/entry_points.md)
        'tensorboard': ['tensorboard'],
        'wandb': ['wandb'],
        # the documentation site: mkdocs build --strict
        'docs': ['mkdocs>=1.6'],
    },
    cmdclass={'build_py': BuildPyWithMim},
    license='Apache License 2.0',
    license_files=['LICENSE'],
    zip_safe=False,
)
