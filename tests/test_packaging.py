"""What an install carries: a wheel (and a wheel built from the source
distribution) of a clean clone holds the configs, the tools, the model
index and the licence in mmpretrain_mlr/.mim, as OpenMMLab projects do;
mmpretrain's ModelHub lists the package's models."""
import os
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
DEMO_CONFIG = osp.join(REPO, 'configs', 'demo', 'trm_ml_shapes.py')


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


def committed(*folders):
    return subprocess.run(
        ['git', 'ls-tree', '-r', '--name-only', 'HEAD', *folders],
        cwd=REPO, check=True, capture_output=True, text=True).stdout.split()


def expected_files():
    """Every committed config and tool (what the clone has) and the model
    index under .mim, and the shipped CLIP weights."""
    names = committed('configs', 'tools')
    return ({MIM + name for name in names} | {MIM + 'model-index.yml'}
            | set(committed('mmpretrain_mlr/models/clip/weights')))


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


# ------------------------------------------------ requirements and configs
def setup_requirements():
    """``install_requires`` and ``extras_require`` as setup.py states them
    (read from its syntax tree, nothing run)."""
    import ast
    tree = ast.parse(open(osp.join(REPO, 'setup.py')).read())
    [call] = [node for node in ast.walk(tree) if isinstance(node, ast.Call)
              and getattr(node.func, 'id', None) == 'setup']
    args = {kw.arg: kw.value for kw in call.keywords}
    return (ast.literal_eval(args['install_requires']),
            ast.literal_eval(args['extras_require']))


def test_setuptools_is_pinned_only_for_mim():
    requires, extras = setup_requirements()
    assert not [r for r in requires if r.startswith('setuptools')]
    assert 'setuptools<81' in extras['mim']
    assert {'tensorboard', 'wandb'} <= set(extras)


def test_open_clip_lower_bound_has_local_dir_folders():
    # `local-dir:` model folders, documented for model.clip.model_name,
    # arrived in open_clip 3.0.0 (2.32.0, the last 2.x, has none)
    import open_clip.factory
    requires, _ = setup_requirements()
    [spec] = [r for r in requires if r.startswith('open_clip_torch')]
    bound = spec.split('>=')[1]
    assert tuple(int(p) for p in bound.split('.')) >= (3, 0)
    assert getattr(open_clip.factory, 'LOCAL_DIR_PREFIX', None) == \
        'local-dir:'


def config_files():
    return sorted(
        osp.join(root, name)
        for root, _, names in os.walk(osp.join(REPO, 'configs'))
        for name in names if name.endswith('.py'))


def base_files(path):
    """The ``_base_`` files ``path`` names (read, not executed)."""
    import ast
    for node in ast.parse(open(path).read()).body:
        if isinstance(node, ast.Assign) and any(
                getattr(t, 'id', None) == '_base_' for t in node.targets):
            value = ast.literal_eval(node.value)
            names = [value] if isinstance(value, str) else list(value)
            return [name if '::' in name else osp.normpath(
                osp.join(osp.dirname(path), name)) for name in names]
    return []


def inheritance_depth(path):
    """Longest chain of ``_base_`` links from ``path`` (0: no base)."""
    return max((1 + inheritance_depth(base) for base in base_files(path)
                if '::' not in base), default=0)


def test_no_config_inherits_through_a_package_scope():
    # `mmpretrain::` bases need pkg_resources (setuptools < 81) and add
    # `_scope_` keys mmpretrain's own tools choke on
    scoped = {osp.relpath(p, REPO): b for p in config_files()
              for b in base_files(p) if '::' in b}
    assert not scoped


def test_config_inheritance_is_at_most_three_deep():
    assert inheritance_depth(osp.join(REPO, 'configs', '_base_',
                                      'default_runtime.py')) == 0
    deep = {osp.relpath(p, REPO): inheritance_depth(p)
            for p in config_files()}
    deep = {path: depth for path, depth in deep.items() if depth > 3}
    assert not deep


def test_loading_a_config_imports_no_pkg_resources():
    code = ('import sys; from mmengine.config import Config; '
            f'Config.fromfile({DEMO_CONFIG!r}); '
            "print('pkg_resources' in sys.modules)")
    out = subprocess.run([sys.executable, '-c', code], check=True,
                         capture_output=True, text=True, timeout=300).stdout
    assert out.split()[-1] == 'False'


BROWSE = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools',
                  'visualization', 'browse_dataset.py')


@pytest.mark.skipif(not osp.isfile(BROWSE),
                    reason='this mmpretrain install ships no tools')
def test_mmpretrain_browse_dataset_runs_on_a_demo_config(tmp_path):
    # (its default --mode transformed fails inside matplotlib >= 3.10 on
    # any config: adjust_bbox() lost an argument)
    subprocess.run(
        [sys.executable, BROWSE, DEMO_CONFIG, '-o', str(tmp_path / 'out'),
         '--not-show', '-n', '2', '--phase', 'val', '--mode', 'original'],
        check=True, capture_output=True, timeout=300, cwd=str(tmp_path))
    assert len(list((tmp_path / 'out').glob('*.jpg'))) == 2
