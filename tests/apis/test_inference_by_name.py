"""Inference by model-index name, the one-call ``inference_model`` and the
argument checks of tools/infer.py (all before anything is loaded)."""
import importlib.util
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import save_checkpoint

import mmpretrain_mlr
from mmpretrain_mlr.apis import MultiLabelInferencer, resolve_model

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NAME = 'trm-ml_shapes-clip_shapes-partial'
DEMO = osp.join(REPO, 'configs', 'demo', 'trm_ml_shapes.py')
RANDOM_CLIP = {'model.clip.pretrained': None}
SHAPES = ['red circle', 'green circle', 'blue circle', 'yellow circle',
          'red square', 'blue square', 'yellow square', 'red triangle',
          'green triangle', 'blue triangle']


def test_a_model_name_resolves_to_its_config():
    cfg, weights = resolve_model(NAME)
    assert cfg.filename == DEMO
    assert weights is None  # the demo's index entry names no weights
    with pytest.raises(ValueError, match='did you mean'):
        resolve_model('trm-ml_shapes-clip_shapes-partal')
    with pytest.raises(FileNotFoundError, match='does not exist'):
        resolve_model('configs/demo/nothing.py')


@pytest.fixture(scope='module')
def demo_by_name():
    torch.manual_seed(0)
    return MultiLabelInferencer(NAME, cfg_options=RANDOM_CLIP)


@pytest.fixture(scope='module')
def scene(tmp_path_factory):
    path = tmp_path_factory.mktemp('scene') / 'scene.png'
    rng = np.random.RandomState(0)
    mmcv.imwrite(rng.randint(0, 256, (64, 64, 3), dtype=np.uint8),
                 str(path))
    return str(path)


def test_inferencer_by_name_and_inference_model(demo_by_name, scene):
    assert demo_by_name.classes == SHAPES
    [by_call] = demo_by_name([scene], topk=3)
    one = mmpretrain_mlr.inference_model(demo_by_name, scene, topk=3)
    assert one['labels'] == by_call['labels']
    scores = one['scores']
    # best first: the three highest scores, in decreasing order
    assert one['labels'] == sorted(scores, key=lambda n: -scores[n])[:3]
    assert isinstance(
        mmpretrain_mlr.inference_model(demo_by_name, [scene, scene]), list)


@pytest.fixture(scope='module')
def demo_checkpoint(demo_by_name, tmp_path_factory):
    """Random weights of the demo model in its default work directory
    (``work_dirs/demo/trm_ml_shapes``) under a fresh folder."""
    root = tmp_path_factory.mktemp('cwd')
    path = root / 'work_dirs' / 'demo' / 'trm_ml_shapes' / 'epoch_1.pth'
    path.parent.mkdir(parents=True)
    save_checkpoint(demo_by_name.model.state_dict(), str(path))
    return root, path


def load_infer():
    spec = importlib.util.spec_from_file_location(
        '_infer_by_name', osp.join(REPO, 'tools', 'infer.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_infer_tool_by_name_finds_the_work_dir_checkpoint(
        demo_checkpoint, scene, monkeypatch, capsys):
    root, path = demo_checkpoint
    monkeypatch.chdir(root)
    infer = load_infer()
    infer.main([NAME, scene, '--topk', '2', '--cfg-options',
                'model.clip.pretrained=None'])
    out = capsys.readouterr().out
    assert 'checkpoint: ./work_dirs/demo/trm_ml_shapes/epoch_1.pth' in out
    line = [ln for ln in out.splitlines() if ln.startswith(scene)][0]
    names_scores = line.split(': ', 1)[1].split(', ')
    assert len(names_scores) == 2
    scores = [float(item.rsplit(' ', 1)[1]) for item in names_scores]
    assert scores == sorted(scores, reverse=True)  # best first


@pytest.mark.parametrize('extra, message', [
    (['--thr', '2'], '--thr: threshold 2.0: expected a number in [0, 1]'),
    (['--thr', '-0.5'], 'expected a number in [0, 1]'),
    (['--thr', 'nan'], '--thr nan: expected a finite number'),
    (['--topk', '0'], '--topk 0: expected at least 1'),
    (['--topk', '11'], '--topk 11: the vocabulary has 10 classes'),
    (['--classes', 'red circle,blue square', '--topk', '3'],
     'the vocabulary has 2 classes'),
    (['--out', 'preds.txt'], 'expected a .json or .csv file'),
    (['--out', '{file}/preds.json'], 'is a file, not a folder'),
])
def test_infer_tool_checks_arguments_before_loading(
        extra, message, scene, monkeypatch, capsys, tmp_path):
    infer = load_infer()

    def refuse(*args, **kwargs):
        raise AssertionError('the model was loaded')

    monkeypatch.setattr(infer, 'MultiLabelInferencer', refuse)
    extra = [e.format(file=scene) for e in extra]
    with pytest.raises(SystemExit) as info:
        infer.main([DEMO, scene, *extra])
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_infer_tool_refuses_a_read_only_output_folder(scene, monkeypatch,
                                                      capsys, tmp_path):
    infer = load_infer()
    monkeypatch.setattr(infer, 'MultiLabelInferencer', None)
    readonly = str(tmp_path / 'ro')
    (tmp_path / 'ro').mkdir()
    real_access = infer.os.access
    monkeypatch.setattr(
        infer.os, 'access',
        lambda path, mode: False if path == readonly else
        real_access(path, mode))
    with pytest.raises(SystemExit) as info:
        infer.main([DEMO, scene, '--out', f'{readonly}/sub/p.json'])
    assert info.value.code == 2
    assert f"{readonly!r} is not writable" in capsys.readouterr().err
