"""What an install carries: a wheel (and a wheel built from the source
distribution) of a clean clone holds the configs, the tools, the model
index and the licence in mmpretrain_mlr/.mim, as OpenMMLab projects do;
mmpretrain's ModelHub lists the package's models."""
import os.path as osp
import shutil
import subprocess
import sys
import tarfile
import zipfile

import mmpretrain
import pytest

import mmpretrain_mlr  # noqa: F401  (registers the model index)

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
MIM = 'mmpretrain_mlr/.mim/'


def build_wheel(source, out_dir):
    subprocess.run(
        [sys.executable, '-m', 'pip', 'wheel', '--no-deps',
         '--no-build-isolation', '-q', '-w', str(out_dir), str(source)],
        check=True, capture_output=True, timeout=300)
    [wheel] = out_dir.glob('*.whl')
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@pytest.fixture(scope='module')
def clone(tmp_path_factory):
    if shutil.which('git') is None or not osp.isdir(osp.join(REPO, '.git')):
        pytest.skip('needs a git checkout')
    path = tmp_path_factory.mktemp('clone') / 'repo'
    subprocess.run(['git', 'clone', '-q', REPO, str(path)], check=True)
    return path


def expected_files():
    """Every committed config and tool (what the clone has), and the model
    index, under .mim."""
    names = subprocess.run(
        ['git', 'ls-tree', '-r', '--name-only', 'HEAD', 'configs', 'tools'],
        cwd=REPO, check=True, capture_output=True, text=True).stdout.split()
    return {MIM + name for name in names} | {MIM + 'model-index.yml'}


def test_wheel_of_a_clean_clone_holds_configs_tools_and_index(
        clone, tmp_path):
    names = build_wheel(clone, tmp_path)
    expected = expected_files()
    assert MIM + 'configs/demo/dualcoop_shapes.py' in expected
    assert MIM + 'tools/train.py' in expected
    assert expected <= names, sorted(expected - names)[:10]
    assert any(n.endswith('.dist-info/licenses/LICENSE') for n in names)
    assert not [n for n in names if '__pycache__' in n]


def test_wheel_built_from_the_source_distribution_too(clone, tmp_path):
    subprocess.run([sys.executable, 'setup.py', '-q', 'sdist', '-d',
                    str(tmp_path / 'sdist')], cwd=str(clone), check=True,
                   capture_output=True, timeout=300)
    [sdist] = (tmp_path / 'sdist').glob('*.tar.gz')
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / 'src', filter='data')
    [source] = (tmp_path / 'src').iterdir()
    names = build_wheel(source, tmp_path / 'wheel')
    assert expected_files() <= names


def test_model_hub_lists_every_method():
    names = mmpretrain.list_models('*', task=None)
    for name in ('dualcoop_clip-rn101_coco-partial',
                 'trm-ml_clip-rn101_coco-partial',
                 'resnet50_coco-single-positive',
                 'sigrl_clip-vit-b16_nuswide-zsl'):
        assert name in names
    from mmpretrain.apis.model import ModelHub
    config = ModelHub.get('trm-ml_clip-rn101_coco-partial').config
    assert config.filename == osp.join(REPO, 'configs', 'trm_ml', 'coco.py')
