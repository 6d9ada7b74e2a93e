"""Every entry point, one run: this package's tools/train.py, mmpretrain's
tools/train.py, ``RUNNERS.build(cfg)`` and mmengine's ``Runner.from_cfg``
register the same hooks on a demo config, and under each a SIGKILL during a
checkpoint save leaves the previous checkpoint loadable."""
import importlib.util
import os
import os.path as osp
import subprocess
import sys

import mmpretrain
import pytest
import torch
from mmengine.config import Config
from mmengine.registry import RUNNERS
from mmengine.runner import Runner

from mmpretrain_mlr.engine import PortableRunner
from mmpretrain_mlr.utils.reliability_hooks import RELIABILITY_HOOKS
from tests.conftest import write_tiny_images

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs', 'demo', 'trm_ml_shapes.py')
UPSTREAM_TRAIN = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools',
                          'train.py')
needs_upstream = pytest.mark.skipif(
    not osp.isfile(UPSTREAM_TRAIN),
    reason='this mmpretrain install ships no tools/train.py')
# a random CLIP of the shapes CLIP's architecture: nothing to pretrain
SMALL = {'model.clip.pretrained': None}
# hooks of the package's guarantees, as the docs list them
GUARANTEES = {'SafeCheckpointHook', 'RandomStateHook', 'DivergenceGuardHook',
              'StrictLoadHook', 'ObservedLabelCheckHook', 'RankProgressHook',
              'VocabularyCheckHook'}


def load_script(path, name):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def hook_names(runner):
    return [type(hook).__name__ for hook in runner.hooks]


@pytest.fixture
def record_train(monkeypatch):
    """Replace ``train`` of both runner classes by a recorder of the hooks
    and the work directory of the runner it is called on."""
    seen = []

    def train(self):
        seen.append((hook_names(self), self.work_dir))

    monkeypatch.setattr(Runner, 'train', train)
    monkeypatch.setattr(PortableRunner, 'train', train)
    return seen


def test_every_entry_point_registers_the_same_hooks(tmp_path, monkeypatch,
                                                    record_train):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, 'path', list(sys.path))
    options = [f'{k}={v}' for k, v in SMALL.items()]
    expected_dir = osp.abspath('work_dirs/demo/trm_ml_shapes')

    # this repository's tools/train.py
    ours = load_script(osp.join(REPO, 'tools', 'train.py'), '_ep_train')
    ours.main([DEMO, '--cfg-options', *options])
    # mmpretrain's own tools/train.py (reads sys.argv)
    if osp.isfile(UPSTREAM_TRAIN):
        upstream = load_script(UPSTREAM_TRAIN, '_ep_upstream_train')
        monkeypatch.setattr(sys, 'argv',
                            ['train.py', DEMO, '--cfg-options', *options])
        upstream.main()
    # a notebook: the registry (runner_type), then mmengine's Runner itself
    cfg = Config.fromfile(DEMO)
    cfg.merge_from_dict(SMALL)
    monkeypatch.setattr(sys, 'argv', ['notebook'])
    RUNNERS.build(cfg).train()
    cfg.work_dir = 'work_dirs/demo/trm_ml_shapes'  # mmengine needs one
    Runner.from_cfg(cfg).train()

    hooks, work_dirs = zip(*record_train)
    assert len(hooks) == 4 if osp.isfile(UPSTREAM_TRAIN) else 3
    for other in hooks[1:]:
        assert other == hooks[0]
    assert GUARANTEES <= set(hooks[0]), sorted(GUARANTEES - set(hooks[0]))
    assert 'CheckpointHook' not in hooks[0]
    assert set(work_dirs) == {expected_dir}


def test_the_runner_adds_the_hooks_a_config_lacks(tmp_path, monkeypatch,
                                                  record_train):
    """A config of its own (no package runtime) that selects the runner."""
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile(DEMO)
    cfg.merge_from_dict(SMALL)
    for key in RELIABILITY_HOOKS:
        cfg.default_hooks.pop(key)
    cfg.default_hooks.checkpoint.type = 'CheckpointHook'
    cfg.default_hooks.divergence_guard = None  # an explicit opt-out stays
    cfg.work_dir = str(tmp_path / 'work')
    RUNNERS.build(cfg).train()
    [(hooks, _)] = record_train
    assert 'SafeCheckpointHook' in hooks and 'CheckpointHook' not in hooks
    assert set(RELIABILITY_HOOKS.values()) - {'DivergenceGuardHook'} <= \
        set(hooks)
    assert 'DivergenceGuardHook' not in hooks


def test_resume_state_is_public_on_the_runner(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cfg = Config.fromfile(DEMO)
    cfg.merge_from_dict(SMALL)
    cfg.work_dir = str(tmp_path / 'work')
    cfg.resume, cfg.load_from = True, None
    runner = RUNNERS.build(cfg)
    assert isinstance(runner, PortableRunner)
    assert runner.resuming and runner.load_from is None
    # nothing readable to resume from: a fresh start, said so
    assert runner.select_resume_checkpoint() is None
    assert not runner.resuming


# ---------------------------------------------------------------- kills
TINY = '''
_base_ = {runtime!r}
custom_imports = dict(imports=['mmpretrain_mlr',
                               'tests.reliability.kill_during_write'],
                      allow_failed_imports=False)
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(num_classes=2, mean=[127.5], std=[127.5],
                           to_rgb=False),
    backbone=dict(type='LeNet5'),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='LinearClsHead', num_classes=2, in_channels=120,
              loss=dict(type='CrossEntropyLoss'), topk=(1, )))
_dataset = dict(type='CustomDataset', data_root={data_root!r},
                pipeline=[dict(type='LoadImageFromFile',
                               color_type='grayscale'),
                          dict(type='PackInputs')])
train_dataloader = dict(batch_size=4, num_workers=0, dataset=_dataset,
                        sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(batch_size=8, num_workers=0, dataset=_dataset,
                      sampler=dict(type='DefaultSampler', shuffle=False))
val_evaluator = dict(type='Accuracy', topk=(1, ))
train_cfg = dict(by_epoch=True, max_epochs=2, val_interval=1)
val_cfg = dict()
optim_wrapper = dict(optimizer=dict(type='SGD', lr=0.05, momentum=0.9))
default_hooks = dict(checkpoint=dict(save_best='accuracy/top1',
                                     rule='greater'))
randomness = dict(seed=0)
'''
NOTEBOOK = '''
import sys
from mmengine.config import Config
from mmengine.runner import Runner
cfg = Config.fromfile(sys.argv[1])
cfg.work_dir = sys.argv[2]
Runner.from_cfg(cfg).train()
'''


@pytest.fixture(scope='module')
def tiny_runtime_config(tmp_path_factory):
    """A LeNet config on the package's default runtime."""
    root = tmp_path_factory.mktemp('entry_points')
    write_tiny_images(root / 'data')
    path = root / 'tiny_runtime.py'
    path.write_text(TINY.format(
        runtime=osp.join(REPO, 'configs', '_base_', 'default_runtime.py'),
        data_root=str(root / 'data')))
    return path


@pytest.mark.parametrize('entry', [
    'tools/train.py',
    pytest.param('mmpretrain', marks=needs_upstream),
    'Runner.from_cfg',
])
def test_a_kill_during_a_save_leaves_a_loadable_checkpoint(
        entry, tiny_runtime_config, tmp_path):
    # Writes after epoch 1: epoch_1.pth, best_*_epoch_1.pth, then
    # epoch_1.pth again (mmengine stores the new best in it); the kill
    # lands half-way through that rewrite.
    work_dir = tmp_path / 'work'
    script = {'tools/train.py': osp.join(REPO, 'tools', 'train.py'),
              'mmpretrain': UPSTREAM_TRAIN}.get(entry)
    if script is None:
        script = tmp_path / 'notebook.py'
        script.write_text(NOTEBOOK)
        argv = [str(script), str(tiny_runtime_config), str(work_dir)]
    else:
        argv = [script, str(tiny_runtime_config), '--work-dir', str(work_dir)]
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='',
               MLR_KILL_ON_WRITE='3',
               PYTHONPATH=os.pathsep.join(
                   [REPO, os.environ.get('PYTHONPATH', '')]))
    proc = subprocess.run([sys.executable, *argv], cwd=str(tmp_path),
                          env=env, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == -9, (proc.stdout + proc.stderr)[-3000:]
    names = os.listdir(work_dir)
    assert [n for n in names if n.endswith('.tmp')], names  # the cut write
    checkpoint = torch.load(str(work_dir / 'epoch_1.pth'), weights_only=True,
                            map_location='cpu')
    assert checkpoint['meta']['epoch'] == 1
    assert (work_dir / 'last_checkpoint').read_text().endswith('epoch_1.pth')
