"""tools/train.py, tools/test.py and tools/dist_train.sh on the tiny config.

Runs go through subprocesses (like a user's shell); argument handling is
checked in-process, which is much faster.
"""
import argparse
import importlib.util
import json
import os.path as osp
import shutil
import sys

import mmengine
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint
from sklearn.metrics import average_precision_score

import mmpretrain_mlr  # noqa: F401  weights-only loader for _load_checkpoint

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def read_scalars(work_dir):
    """Records of the single run in ``work_dir`` (vis_data/scalars.json)."""
    (path, ) = list(work_dir.glob('*/vis_data/scalars.json'))
    return [json.loads(line) for line in path.read_text().splitlines()]


def train_steps(records):
    return [r['step'] for r in records if 'loss' in r]


def val_records(records):
    return [r for r in records if 'accuracy/top1' in r]


def test_train_writes_checkpoints_and_logs(trained):
    for name in ('epoch_1.pth', 'epoch_2.pth', 'last_checkpoint'):
        assert (trained / name).is_file(), name
    records = read_scalars(trained)
    assert train_steps(records) == list(range(1, 9))  # 2 epochs x 4 iters
    assert len(val_records(records)) == 2


def test_auto_resume_continues_after_first_epoch(trained, tiny_config,
                                                 run_tool, tmp_path):
    shutil.copy(trained / 'epoch_1.pth', tmp_path / 'epoch_1.pth')
    (tmp_path / 'last_checkpoint').write_text(str(tmp_path / 'epoch_1.pth'))
    proc = run_tool('tools/train.py', tiny_config, '--work-dir', tmp_path,
                    '--resume')
    log = proc.stdout + proc.stderr
    assert 'Loads checkpoint by local_safe backend' in log
    assert 'resumed epoch: 1, iter: 4' in log
    assert train_steps(read_scalars(tmp_path)) == [5, 6, 7, 8]

    resumed = _load_checkpoint(str(tmp_path / 'epoch_2.pth'))
    uninterrupted = _load_checkpoint(str(trained / 'epoch_2.pth'))
    assert resumed['meta']['iter'] == uninterrupted['meta']['iter'] == 8
    # The message hub carries on: 4 losses restored + 4 new ones.
    losses = resumed['message_hub']['log_scalars']['train/loss'].data[0]
    np.testing.assert_allclose(
        losses,
        uninterrupted['message_hub']['log_scalars']['train/loss'].data[0])
    # Same seed, restored optimizer and scheduler: the same weights.
    for key, value in uninterrupted['state_dict'].items():
        torch.testing.assert_close(resumed['state_dict'][key], value)


def test_resume_refuses_tampered_checkpoint(tiny_config, run_tool, tmp_path):
    tampered = tmp_path / 'tampered.pth'
    torch.save({'meta': argparse.Namespace(epoch=1, iter=4),
                'state_dict': {}}, tampered)
    proc = run_tool('tools/train.py', tiny_config, '--work-dir',
                    tmp_path / 'work', '--resume', tampered, check=False)
    assert proc.returncode != 0
    assert 'UnsafeCheckpointError' in proc.stderr
    assert str(tampered) in proc.stderr
    assert 'argparse.Namespace' in proc.stderr
    assert 'torch.serialization.add_safe_globals' in proc.stderr
    assert not (tmp_path / 'work' / 'epoch_1.pth').exists()


def test_test_tool_reproduces_last_validation(trained, tiny_config, run_tool,
                                              tmp_path):
    out = tmp_path / 'preds.pkl'
    run_tool('tools/test.py', tiny_config, trained / 'epoch_2.pth',
             '--work-dir', tmp_path / 'test', '--out', out)
    (metrics_file, ) = list((tmp_path / 'test').glob('*/*.json'))
    metrics = json.loads(metrics_file.read_text())
    last_val = val_records(read_scalars(trained))[-1]
    for key in ('accuracy/top1', 'multi-label/mAP'):
        assert metrics[key] == pytest.approx(last_val[key]), key

    # Recompute both metrics from the dumped predictions.
    preds = mmengine.load(str(out))
    assert len(preds) == 16
    scores = np.stack([p['pred_score'].numpy() for p in preds])  # [N, 2]
    labels = np.array([int(p['gt_label']) for p in preds])  # [N]
    accuracy = 100 * np.mean(scores.argmax(1) == labels)
    assert accuracy == pytest.approx(last_val['accuracy/top1'])
    onehot = np.eye(2)[labels]
    mean_ap = 100 * np.mean([
        average_precision_score(onehot[:, c], scores[:, c]) for c in range(2)
    ])
    assert mean_ap == pytest.approx(last_val['multi-label/mAP'], rel=1e-4)


@pytest.fixture
def load_tool(monkeypatch):
    """Import a tools/ script as a module, undoing its sys.path change."""
    monkeypatch.setattr(sys, 'path', list(sys.path))
    loaded = []

    def load(name):
        spec = importlib.util.spec_from_file_location(
            f'_tool_{name}', osp.join(REPO_ROOT, 'tools', f'{name}.py'))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        loaded.append(name)
        return module

    yield load
    if 'test' in loaded:  # tools/test.py imports tools/train.py as `train`
        sys.modules.pop('train', None)


@pytest.mark.parametrize('tool, argv, expected', [
    ('train', ['missing_config.py'],
     "config file 'missing_config.py' does not exist"),
    ('train', ['{config}', '--resume', 'nowhere.pth'],
     "--resume checkpoint 'nowhere.pth' does not exist"),
    ('test', ['{config}', 'nowhere.pth'],
     "checkpoint 'nowhere.pth' does not exist"),
    ('test', ['{config}', '{config}', '--out', 'preds.json'],
     'expected a name ending in'),
    ('test', ['{config}', '{config}', '--out-item', 'metrics'],
     '--out-item metrics needs --out FILE'),
])
def test_bad_arguments_give_clear_errors(load_tool, tiny_config, capsys, tool,
                                         argv, expected):
    main = load_tool(tool).main
    with pytest.raises(SystemExit) as info:
        main([arg.format(config=tiny_config) for arg in argv])
    assert info.value.code == 2
    assert expected in capsys.readouterr().err


def test_amp_asks_for_the_amp_optim_wrapper(load_tool, tiny_config):
    # as mmpretrain's tool; on a CPU-only machine PortableRunner falls back
    # to float32 (tests/engine/test_runner.py)
    train = load_tool('train')
    parser, args = train.parse_args([str(tiny_config), '--amp'])
    cfg = train.load_config(parser, args)
    train.merge_args(parser, cfg, args)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'


# ------------------------------------------ overrides that reach nothing
COCO = osp.join(REPO_ROOT, 'configs', 'trm_ml', 'coco.py')


def test_data_root_moves_every_dataloader(load_tool):
    train = load_tool('train')
    parser, args = train.parse_args(
        [COCO, '--cfg-options', 'data_root=/my/coco'])
    cfg = train.load_config(parser, args)
    train.merge_args(parser, cfg, args)
    for loader in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        assert cfg[loader].dataset.data_root == '/my/coco', loader
    # nothing still points at the config's own root
    text = cfg.pretty_text
    assert "'data/coco'" not in text and "'data/coco/" not in text


def test_a_dataloader_given_its_own_root_keeps_it(load_tool):
    train = load_tool('train')
    parser, args = train.parse_args(
        [COCO, '--cfg-options', 'data_root=/my/coco',
         'train_dataloader.dataset.data_root=/elsewhere'])
    cfg = train.load_config(parser, args)
    train.merge_args(parser, cfg, args)
    assert cfg.train_dataloader.dataset.data_root == '/elsewhere'
    assert cfg.val_dataloader.dataset.data_root == '/my/coco'


def test_the_runner_follows_a_data_root_set_after_reading():
    # mmpretrain's tools and notebooks merge the override themselves;
    # PortableRunner.from_cfg applies this to the config it builds
    from mmpretrain_mlr.utils.cfg_options import follow_config_data_root
    cfg = Config.fromfile(COCO)
    cfg.data_root = '/mnt/coco'
    changed = dict(follow_config_data_root(cfg))
    assert changed['train_dataloader.dataset.data_root'] == '/mnt/coco'
    assert changed['test_dataloader.dataset.data_root'] == '/mnt/coco'
    assert cfg.val_dataloader.dataset.data_root == '/mnt/coco'


def test_an_override_of_a_copied_base_variable_is_refused(load_tool, capsys):
    train = load_tool('train')
    with pytest.raises(SystemExit) as info:
        train.main([COCO, '--cfg-options', 'dataset_type=VOCMultiLabel'])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "'dataset_type' is a variable of the config's bases" in err
    assert 'train_dataloader.dataset.type' in err
    assert 'val_dataloader.dataset.type' in err
