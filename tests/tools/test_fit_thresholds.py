"""tools/analysis_tools/fit_thresholds.py on the TRM-ML shapes demo (a
random CLIP, a few images): fitted on val, reported on test next to the
single threshold, used by the inferencer and tools/infer.py; never on the
split it was fitted on."""
import importlib.util
import json
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.runner.checkpoint import save_checkpoint

from mmpretrain_mlr.apis import MultiLabelInferencer

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs', 'demo', 'trm_ml_shapes.py')
SMALL = ['model.clip.pretrained=None', 'val_dataloader.dataset.num_images=48',
         'test_dataloader.dataset.num_images=48']


def load(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def fitted(tmp_path_factory):
    root = tmp_path_factory.mktemp('fit')
    torch.manual_seed(0)
    model = MultiLabelInferencer(
        DEMO, cfg_options={'model.clip.pretrained': None}).model
    checkpoint = root / 'epoch_1.pth'
    save_checkpoint(model.state_dict(), str(checkpoint))
    tool = load(osp.join(REPO, 'tools', 'analysis_tools',
                         'fit_thresholds.py'), '_fit_thresholds')
    result = tool.main([DEMO, str(checkpoint), '--eval-split', 'test',
                        '--cfg-options', *SMALL,
                        'test_dataloader.dataset.split=test'])
    return tool, checkpoint, result


def test_fit_on_val_report_on_test(fitted, capsys):
    _, checkpoint, result = fitted
    data = json.loads((checkpoint.parent /
                       'epoch_1.thresholds.json').read_text())
    assert data['fitted_on']['split'] == 'val'
    assert len(data['thresholds']) == 10
    single, per_class = result['eval'].values()
    assert set(single) == set(per_class) >= {'CF1', 'OF1'}


def test_the_split_fitted_on_is_refused(fitted, capsys):
    tool, checkpoint, _ = fitted
    # the demo's test_dataloader is its val split
    with pytest.raises(ValueError, match='fitted on the split'):
        tool.main([DEMO, str(checkpoint), '--eval-split', 'test',
                   '--out', str(checkpoint.parent / 'other.json'),
                   '--cfg-options', *SMALL])


def test_inferencer_and_infer_tool_apply_them(fitted, tmp_path, capsys):
    _, checkpoint, _ = fitted
    table = json.loads((checkpoint.parent /
                        'epoch_1.thresholds.json').read_text())['thresholds']
    inferencer = MultiLabelInferencer(
        DEMO, str(checkpoint), cfg_options={'model.clip.pretrained': None})
    assert 'epoch_1.thresholds.json' in inferencer.thresholds_applied
    image = np.random.RandomState(1).randint(0, 256, (64, 64, 3),
                                             dtype=np.uint8)
    [res] = inferencer([image])
    expected = {n for n, s in res['scores'].items() if s >= table[n]}
    assert set(res['labels']) == expected
    path = str(tmp_path / 'scene.png')
    mmcv.imwrite(image, path)
    infer = load(osp.join(REPO, 'tools', 'infer.py'), '_infer_thr')
    infer.main([DEMO, str(checkpoint), path, '--cfg-options',
                'model.clip.pretrained=None'])
    out = capsys.readouterr().out
    assert 'thresholds: per-class thresholds from' in out
    assert 'epoch_1.thresholds.json' in out
