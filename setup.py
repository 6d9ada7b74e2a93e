"""Install mmpretrain-mlr: ``pip install -e .[lite,tests]``."""
import os.path as osp

from setuptools import find_packages, setup


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
    long_description=open('README.md').read() if osp.exists('README.md') else '',
    long_description_content_type='text/markdown',
    packages=find_packages(include=['mmpretrain_mlr', 'mmpretrain_mlr.*']),
    python_requires='>=3.8',
    install_requires=[
        # torch.serialization.add_safe_globals (weights-only checkpoints)
        # arrived in 2.4; any later release works.
        'torch>=2.4',
        'torchvision',
        'mmengine>=0.10.7,<1',
        'mmpretrain>=1.2,<2',
        'open_clip_torch>=2.23',
        'numpy',
        # mmengine resolves `mmpretrain::` config inheritance through
        # pkg_resources, which setuptools removed in release 81.
        'setuptools<81',
    ],
    extras_require={
        # The `mmcv` module without compiled ops: all this package needs.
        'lite': ['mmcv-lite>=2.0.0,<2.4.0'],
        'tests': ['pytest', 'scikit-learn'],
    },
    license='Apache License 2.0',
    zip_safe=False,
)
