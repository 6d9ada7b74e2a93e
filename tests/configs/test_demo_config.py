"""The embedded demo end to end through the stock tools: train, test on the
saved checkpoint, and mmpretrain's own upstream train.py."""
import json
import os
import os.path as osp
import subprocess
import sys

import mmengine
import mmpretrain
import numpy as np
import pytest

from tests.conftest import DEMO_CONFIG

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, DEMO_CONFIG)
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


def average_precision(scores, positive):
    """Non-interpolated AP of one class, written out: the mean over the
    positives of the precision at each positive's rank (best first)."""
    order = np.argsort(-scores, kind='stable')
    hits = positive[order].astype(float)
    precision_at = np.cumsum(hits) / np.arange(1, len(hits) + 1)
    return float((precision_at * hits).sum() / hits.sum())


def test_train_saves_checkpoints_and_evaluates(demo_run):
    """The shared demo run (tests/conftest.py) of 2 epochs."""
    assert osp.isfile(osp.join(demo_run.work_dir, 'epoch_2.pth'))
    assert last_scalars(str(demo_run.work_dir))['step'] == 2


def test_test_tool_reproduces_last_validation_map(demo_run, tmp_path,
                                                  run_tool):
    """tools/test.py on the run's checkpoint prints the last validation
    mAP, and that mAP is the mean over classes of the AP computed here from
    the dumped scores and the images' full ground truth."""
    out = str(tmp_path / 'preds.pkl')
    result = run_tool('tools/test.py', DEMO_CONFIG,
                      demo_run.work_dir / 'epoch_2.pth', '--work-dir',
                      tmp_path / 'test', '--out', out, *demo_run.options)
    expected = last_scalars(str(demo_run.work_dir))['multi-label/mAP']
    line = [ln for ln in (result.stdout + result.stderr).splitlines()
            if 'multi-label/mAP:' in ln][-1]
    got = float(line.split('multi-label/mAP:')[1].split()[0])
    assert abs(got - expected) < 1e-3
    preds = mmengine.load(out)
    scores = np.stack([np.asarray(p['pred_score']) for p in preds])
    truth = np.zeros(scores.shape, dtype=bool)
    for row, p in zip(truth, preds):
        row[np.asarray(p['gt_label'])] = True
    assert len(preds) == 48 and truth.any(0).all()
    # the scores rank the images (no ties), so the AP has one value
    assert all(len(np.unique(column)) == 48 for column in scores.T)
    recomputed = 100 * np.mean([average_precision(scores[:, c], truth[:, c])
                                for c in range(scores.shape[1])])
    assert got == pytest.approx(recomputed, abs=1e-3)


def test_upstream_mmpretrain_train_tool(tmp_path):
    upstream = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools',
                        'train.py')
    if not osp.isfile(upstream):
        pytest.skip('this mmpretrain install ships no tools/train.py')
    run([upstream, DEMO, '--work-dir', str(tmp_path)] + SMALL +
        ['train_cfg.max_epochs=1'], cwd=str(tmp_path))
    assert osp.isfile(str(tmp_path / 'epoch_1.pth'))


@pytest.mark.parametrize('name', ['dualcoop_shapes.py',
                                  'dualcoop_shapes_resnet.py'])
def test_demo_models_lower_the_loss_of_a_fixed_batch(name):
    """The demo's model, optimiser and learning rate train: a few steps on
    one batch lower its loss (the ResNet variant trains its backbone)."""
    import torch
    from mmengine.config import Config
    from mmengine.optim import build_optim_wrapper
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import DATASETS, MODELS

    from tests.configs.test_method_configs import check_loss_decreases

    cfg = Config.fromfile(osp.join(REPO, 'configs', 'demo', name))
    cfg.model.clip.pretrained = None
    init_default_scope('mmpretrain')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    if name == 'dualcoop_shapes_resnet.py':
        assert type(model.image_encoder).__name__ == 'ProjectedBackbone'
    cfg.train_dataloader.dataset.num_images = 4
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    # the pipeline's flips draw from numpy's global generator: seed it, so
    # that the batch does not depend on what ran before in this process
    np.random.seed(0)
    samples = [dataset[i] for i in range(4)]
    batch = dict(inputs=[s['inputs'] for s in samples],
                 data_samples=[s['data_samples'] for s in samples])
    check_loss_decreases(model, build_optim_wrapper(model, cfg.optim_wrapper),
                         batch)


@pytest.mark.parametrize('name',
                         ['zero_shot_shapes', 'zero_shot_shapes_heldout'])
def test_zero_shot_configs_score_without_training(name, tmp_path, run_tool):
    config = osp.join(REPO, 'configs', 'demo', f'{name}.py')
    result = run_tool(
        'tools/analysis_tools/test_untrained.py', config, '--work-dir',
        tmp_path, '--cfg-options', 'model.clip.pretrained=None',
        'test_dataloader.dataset.num_images=16')
    line = [ln for ln in (result.stdout + result.stderr).splitlines()
            if 'multi-label/mAP:' in ln][-1]
    assert 0 < float(line.split('multi-label/mAP:')[1].split()[0]) <= 100
