"""The embedded demo end to end through the stock tools: train, test on the
saved checkpoint, and mmpretrain's own upstream train.py."""
import json
import os
import os.path as osp
import subprocess
import sys

import mmpretrain
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs', 'demo', 'dualcoop_shapes.py')
# A random CLIP of the shapes CLIP's architecture: the pretrained one is
# built once in minutes (its cache is tested in tests/models/clip).
SMALL = [
    '--cfg-options', 'model.clip.pretrained=None',
    'train_dataloader.dataset.num_images=64',
    'val_dataloader.dataset.num_images=48',
    'test_dataloader.dataset.num_images=48', 'train_cfg.max_epochs=2',
    'param_scheduler.1.end=2', 'default_hooks.logger.interval=1'
]


def run(args, cwd):
    result = subprocess.run([sys.executable, '-W', 'ignore'] + args, cwd=cwd,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[
        -3000:]
    return result


def last_scalars(work_dir):
    """The last validation record of the run's scalars.json."""
    [stamp] = [d for d in sorted(os.listdir(work_dir))
               if osp.isdir(osp.join(work_dir, d))]
    with open(osp.join(work_dir, stamp, 'vis_data', 'scalars.json')) as f:
        records = [json.loads(line) for line in f]
    return [r for r in records if 'multi-label/mAP' in r][-1]


@pytest.fixture(scope='module')
def trained(tmp_path_factory):
    work_dir = str(tmp_path_factory.mktemp('demo'))
    run([osp.join(REPO, 'tools', 'train.py'), DEMO, '--work-dir', work_dir] +
        SMALL, cwd=REPO)
    return work_dir


def test_train_saves_checkpoints_and_evaluates(trained):
    assert osp.isfile(osp.join(trained, 'epoch_2.pth'))
    record = last_scalars(trained)
    assert record['step'] == 2 and 0 < record['multi-label/mAP'] <= 100


def test_test_tool_reproduces_last_validation_map(trained, tmp_path):
    out = str(tmp_path / 'preds.pkl')
    result = run([
        osp.join(REPO, 'tools', 'test.py'), DEMO,
        osp.join(trained, 'epoch_2.pth'), '--work-dir',
        str(tmp_path / 'test'), '--out', out
    ] + SMALL, cwd=REPO)
    expected = last_scalars(trained)['multi-label/mAP']
    line = [ln for ln in (result.stdout + result.stderr).splitlines()
            if 'multi-label/mAP:' in ln][-1]
    got = float(line.split('multi-label/mAP:')[1].split()[0])
    assert abs(got - expected) < 1e-3
    assert osp.isfile(out)


def test_upstream_mmpretrain_train_tool(tmp_path):
    upstream = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools',
                        'train.py')
    if not osp.isfile(upstream):
        pytest.skip('this mmpretrain install ships no tools/train.py')
    run([upstream, DEMO, '--work-dir', str(tmp_path)] + SMALL +
        ['train_cfg.max_epochs=1'], cwd=str(tmp_path))
    assert osp.isfile(str(tmp_path / 'epoch_1.pth'))


def test_resnet_variant_builds_and_trains_one_step():
    import torch
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS, MODELS

    cfg = Config.fromfile(
        osp.join(REPO, 'configs', 'demo', 'dualcoop_shapes_resnet.py'))
    cfg.model.clip.pretrained = None
    init_default_scope('mmpretrain')
    model = MODELS.build(cfg.model)
    assert type(model.image_encoder).__name__ == 'ProjectedBackbone'
    cfg.train_dataloader.dataset.num_images = 4
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    batch = model.data_preprocessor(
        dict(inputs=[dataset[i]['inputs'] for i in range(4)],
             data_samples=[dataset[i]['data_samples'] for i in range(4)]),
        training=True)
    losses = model(**batch, mode='loss')
    losses['loss_cls'].backward()
    assert torch.isfinite(losses['loss_cls'])
    assert model.image_encoder.backbone.conv1.weight.grad is not None


@pytest.mark.parametrize('name',
                         ['zero_shot_shapes', 'zero_shot_shapes_heldout'])
def test_zero_shot_configs_score_without_training(name, tmp_path):
    config = osp.join(REPO, 'configs', 'demo', f'{name}.py')
    result = run([
        osp.join(REPO, 'tools', 'analysis_tools', 'test_untrained.py'),
        config, '--work-dir', str(tmp_path), '--cfg-options',
        'model.clip.pretrained=None', 'test_dataloader.dataset.num_images=16'
    ], cwd=REPO)
    line = [ln for ln in (result.stdout + result.stderr).splitlines()
            if 'multi-label/mAP:' in ln][-1]
    assert 0 < float(line.split('multi-label/mAP:')[1].split()[0]) <= 100
