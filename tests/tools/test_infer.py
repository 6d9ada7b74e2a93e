"""tools/infer.py end to end on generated images and a tiny random CLIP."""
import csv
import importlib.util
import json
import os
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import save_checkpoint
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401
from tests.forkserver import run_script
from tests.models.conftest import VIT_ARCH

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
NAMES = ['red circle', 'blue square', 'green triangle']


def test_folder_glob_vocabulary_out_and_pictures(tmp_path):
    cfg = Config(dict(
        default_scope='mmpretrain',
        custom_imports=dict(imports=['mmpretrain_mlr'],
                            allow_failed_imports=False),
        model=dict(type='CLIPPromptClassifier', class_names=NAMES,
                   clip=dict(arch=VIT_ARCH),
                   prompt_learner=dict(type='DualCoOpPromptLearner',
                                       n_ctx=4, class_specific=False),
                   head=dict(type='DualCoOpHead')),
        test_dataloader=dict(dataset=dict(
            type='ShapesMultiLabel', image_size=64,
            pipeline=[dict(type='PackInputs')]))))
    cfg.dump(str(tmp_path / 'tiny.py'))
    torch.manual_seed(0)
    save_checkpoint(MODELS.build(cfg.model).state_dict(),
                    str(tmp_path / 'tiny.pth'))
    rng = np.random.RandomState(0)
    for name in ('a/1.png', 'a/sub/2.png', 'b/3.jpg'):
        mmcv.imwrite(rng.randint(0, 256, (48, 72, 3), dtype=np.uint8),
                     str(tmp_path / name))

    def infer(*args):  # as `python tools/infer.py ...` in tmp_path
        return run_script(
            osp.join(REPO_ROOT, 'tools', 'infer.py'),
            [str(tmp_path / 'tiny.py'), str(tmp_path / 'tiny.pth'), *args],
            env=dict(os.environ), cwd=str(tmp_path), timeout=300)

    proc = infer('a', 'b/*.jpg', '--out', 'preds.json', '--show-dir', 'vis',
                 '--classes', 'purple star, red circle', '--topk', '1',
                 '--batch-size', '2')
    assert proc.returncode == 0, proc.stderr
    rows = json.loads((tmp_path / 'preds.json').read_text())
    assert [osp.basename(r['image']) for r in rows] == ['1.png', '2.png',
                                                        '3.jpg']
    for row in rows:
        assert list(row['scores']) == ['purple star', 'red circle']
        assert row['labels'] == [max(row['scores'], key=row['scores'].get)]
    for name in ('1', '2', '3'):
        assert osp.isfile(tmp_path / 'vis' / f'{name}.png')


def test_csv_and_missing_inputs(tmp_path):
    infer = load_tool()
    results = [dict(labels=['b'], scores=dict(a=0.25, b=0.75))]
    infer.write_results(str(tmp_path / 'p.csv'), ['x.png'], results,
                        ['a', 'b'])
    with open(tmp_path / 'p.csv') as f:
        assert list(csv.reader(f)) == [['image', 'labels', 'a', 'b'],
                                       ['x.png', 'b', '0.250000',
                                        '0.750000']]
    parser, _ = infer.parse_args([__file__, __file__, 'x'])
    with pytest.raises(SystemExit):
        infer.list_images(parser, [str(tmp_path / 'missing' / '*.png')])


def load_tool():
    spec = importlib.util.spec_from_file_location(
        'infer_tool', osp.join(REPO_ROOT, 'tools', 'infer.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
