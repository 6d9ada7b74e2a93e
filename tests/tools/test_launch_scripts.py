"""slurm_train.sh / slurm_test.sh assemble the srun command (srun replaced
by a recorder on PATH), the launchers reject missing arguments, and real
2-process dist_train.sh / dist_test.sh runs (GPUs hidden by ``run_tool``)
take the gloo path on the CPU, keep a stateful loss equal on both
processes and reproduce the single-process test metrics."""
import json
import os
import os.path as osp
import subprocess

import pytest
import torch
from mmengine.config import Config
from mmengine.runner.checkpoint import _load_checkpoint

import mmpretrain_mlr  # noqa: F401  weights-only loader for _load_checkpoint
from tests.conftest import find_free_port

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def run_script(name, args, tmp_path):
    fake = tmp_path / 'srun'
    fake.write_text('#!/bin/sh\necho "$@"\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f'{tmp_path}:{os.environ["PATH"]}', GPUS='4')
    return subprocess.run(['bash', osp.join(REPO, 'tools', name)] + args,
                          capture_output=True, text=True, env=env)


@pytest.mark.parametrize('name, args, expected', [
    ('slurm_train.sh', ['p', 'job', 'c.py', 'wd', '--amp'],
     'train.py c.py --work-dir=wd --amp --launcher=slurm'),
    ('slurm_test.sh', ['p', 'job', 'c.py', 'ck.pth', '--out', 'o.pkl'],
     'test.py c.py ck.pth --out o.pkl --launcher=slurm'),
])
def test_slurm_command(name, args, expected, tmp_path):
    proc = run_script(name, args, tmp_path)
    assert proc.returncode == 0, proc.stderr
    line = proc.stdout.strip()
    assert line.startswith('-p p --job-name=job --gres=gpu:8 --ntasks=4 ')
    assert line.endswith(expected)


@pytest.mark.parametrize('name, args', [
    ('slurm_train.sh', ['p', 'job', 'c.py']),
    ('slurm_test.sh', ['p', 'job']),
    ('dist_train.sh', ['c.py']),
    ('dist_test.sh', ['c.py', 'ck.pth']),
])
def test_missing_arguments_print_usage(name, args, tmp_path):
    proc = run_script(name, args, tmp_path)
    assert proc.returncode == 2 and 'usage:' in proc.stderr


# The single-positive demo (small ResNet + linear head) with LL-Cp, whose
# per-image corrections live in a buffer that DDP does not broadcast: every
# process must reach the same table from the all-gathered corrections.
STATEFUL_CONFIG = '''
_base_ = [{demo!r}]
custom_imports = dict(imports=['mmpretrain_mlr', 'rank_loss_state'],
                      allow_failed_imports=False)
model = dict(head=dict(loss=dict(
    _delete_=True, type='LargeLossLoss', mode='correct_permanent',
    delta_rel=0.01, num_samples=32, num_classes=10)))
train_dataloader = dict(batch_size=8, dataset=dict(num_images=40))
val_dataloader = dict(dataset=dict(num_images=40))
test_dataloader = dict(batch_size=8, dataset=dict(num_images=32))
train_cfg = dict(max_epochs=3)
param_scheduler = [dict(type='CosineAnnealingLR', by_epoch=True, begin=0,
                        end=3)]
default_hooks = dict(logger=dict(interval=1))
custom_hooks = [dict(type='SetEpochHook'), dict(type='SaveRankLossState')]
'''

# what each process holds at the end of the run, saved per rank
RANK_STATE_HOOK = '''
import torch
from mmengine.dist import get_rank
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper
from mmpretrain.registry import HOOKS


@HOOKS.register_module()
class SaveRankLossState(Hook):

    def after_run(self, runner):
        model = runner.model.module if is_model_wrapper(runner.model) \\
            else runner.model
        torch.save(model.head.loss_module.state_dict(),
                   f'{runner.work_dir}/loss_state_rank{get_rank()}.pth')
'''


@pytest.fixture(scope='module')
def stateful_run(tmp_path_factory, run_tool):
    """Config, environment and work dir of one 2-process dist_train.sh run
    of the LL-Cp config (40 images: 32 train, 8 held out; 3 epochs)."""
    root = tmp_path_factory.mktemp('stateful')
    (root / 'rank_loss_state.py').write_text(RANK_STATE_HOOK)
    config = root / 'llcp_shapes.py'
    config.write_text(STATEFUL_CONFIG.format(demo=osp.join(
        REPO, 'configs', 'demo', 'resnet_shapes_single_positive.py')))
    env = dict(PYTHONPATH=str(root))
    proc = run_tool('tools/dist_train.sh', config, 2, '--work-dir',
                    root / 'work', env=dict(env, PORT=str(find_free_port())))
    # 32 training images, batch 8, 2 processes: 2 steps per epoch each
    assert 'Epoch(train) [3][2/2]' in proc.stdout + proc.stderr
    return config, env, root / 'work', proc.stdout + proc.stderr


def test_dist_train_takes_the_gloo_path_on_cpu(stateful_run):
    """The config asks for NCCL (the default runtime's); with the GPUs
    hidden both torchrun processes join a gloo group, on the CPU."""
    config, _, work_dir, log = stateful_run
    assert 'Distributed training: True' in log
    [dumped] = work_dir.glob('*/vis_data/config.py')
    asked, ran = (Config.fromfile(str(path), import_custom_modules=False)
                  for path in (config, dumped))
    assert asked.env_cfg.dist_cfg.backend == 'nccl'
    assert ran.env_cfg.dist_cfg.backend == 'gloo'
    assert (work_dir / 'epoch_3.pth').is_file()


def test_dist_train_keeps_the_loss_state_equal_on_both_ranks(stateful_run):
    _, _, work_dir, _ = stateful_run
    states = [torch.load(work_dir / f'loss_state_rank{rank}.pth')
              for rank in (0, 1)]
    assert states[0].keys() == states[1].keys() == {'epoch', 'corrected'}
    for key in states[0]:
        assert torch.equal(states[0][key], states[1][key]), key
    # epochs 1 and 2 correct ceil(8 x 10 x 0.01) = 1 entry per step on each
    # process: 2 epochs x 2 steps x 2 processes, all different entries
    assert int(states[0]['corrected'].sum()) == 8
    saved = _load_checkpoint(str(work_dir / 'epoch_3.pth'))['state_dict']
    assert torch.equal(saved['head.loss_module.corrected'],
                       states[0]['corrected'])


def test_dist_test_reproduces_the_single_process_metrics(stateful_run,
                                                         run_tool, tmp_path):
    config, env, work_dir, _ = stateful_run
    checkpoint = work_dir / 'epoch_3.pth'
    one = run_tool('tools/test.py', config, checkpoint, '--work-dir',
                   tmp_path / 'one', '--out', tmp_path / 'one.json',
                   '--out-item', 'metrics', env=env)
    two = run_tool('tools/dist_test.sh', config, checkpoint, 2, '--work-dir',
                   tmp_path / 'two', '--out', tmp_path / 'two.json',
                   '--out-item', 'metrics',
                   env=dict(env, PORT=str(find_free_port())))
    # 32 test images, batch 8: 4 batches alone, 2 on each of 2 processes
    assert 'Epoch(test) [4/4]' in one.stdout + one.stderr
    assert 'Epoch(test) [2/2]' in two.stdout + two.stderr
    one = json.loads((tmp_path / 'one.json').read_text())
    two = json.loads((tmp_path / 'two.json').read_text())
    assert set(one) == {'ssgrl/mAP', 'mmpretrain/mAP'}
    assert two == pytest.approx(one, rel=1e-12)
