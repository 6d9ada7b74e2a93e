"""A diverging run stops before a non-finite model is saved."""
import math

import pytest
import torch
from mmengine.logging import MessageHub
from mmengine.runner.checkpoint import _load_checkpoint

from mmpretrain_mlr.engine.hooks import DivergenceError, DivergenceGuardHook
from .conftest import derived_config

# lr x 1e10 from epoch 2 on, with weight decay: the weights overflow.
DIVERGING = '''
param_scheduler = dict(milestones=[1], gamma=1e10)
optim_wrapper = dict(optimizer=dict(weight_decay=0.01))
'''


def test_diverging_run_stops_and_keeps_the_good_best(rel_config, run_tool,
                                                     tmp_path):
    config = derived_config(rel_config, tmp_path, DIVERGING)
    work_dir = tmp_path / 'work'
    proc = run_tool('tools/train.py', config, '--work-dir', work_dir,
                    check=False)
    assert proc.returncode != 0
    assert 'DivergenceError: Training diverged at iteration' in proc.stderr
    assert 'is not finite' in proc.stderr

    checkpoints = sorted(work_dir.glob('*.pth'))
    best = [p for p in checkpoints if p.name.startswith('best_')]
    assert len(best) == 1  # the best finite model, from before the end
    for path in checkpoints:
        for key, value in _load_checkpoint(str(path))['state_dict'].items():
            if value.is_floating_point():
                assert torch.isfinite(value).all(), (path.name, key)


class _Runner:
    """The parts of a Runner the hook reads."""

    def __init__(self, model):
        self.model = model
        self.iter, self.epoch = 6, 1
        self.train_loop = type('Loop', (), {'max_epochs': 3})()
        self.message_hub = MessageHub.get_instance('divergence_test')
        self.logger = __import__('logging').getLogger('divergence_test')


@pytest.mark.parametrize('allowed', [0, 1])
def test_non_finite_loss_names_iteration_and_term(allowed):
    runner = _Runner(torch.nn.Linear(2, 2))
    hook = DivergenceGuardHook(max_skipped_iters=allowed)
    outputs = dict(loss=torch.tensor(math.nan),
                   loss_cls=torch.tensor(math.nan),
                   loss_con=torch.tensor(0.5))
    if allowed:  # finite weights: an fp16 skipped step, allowed once
        hook.after_train_iter(runner, 0, outputs=outputs)
    with pytest.raises(DivergenceError) as info:
        hook.after_train_iter(runner, 0, outputs=outputs)
    message = str(info.value)
    assert 'iteration 7 (epoch 2)' in message
    assert 'loss_cls=nan' in message and 'loss_con' not in message


def test_each_iteration_checks_the_trainable_parameters_of_the_epoch():
    model = torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Linear(2, 2))
    model[0].requires_grad_(False)  # a frozen tower
    runner = _Runner(model)
    hook = DivergenceGuardHook()
    hook.before_train_epoch(runner)
    with torch.no_grad():
        model[0].weight[0, 0] = math.nan
    hook.after_train_iter(runner, 0, outputs=dict(loss=torch.tensor(1.)))
    with pytest.raises(DivergenceError, match="'0.weight' is not finite"):
        hook.after_train_epoch(runner)  # every parameter, once an epoch
    with torch.no_grad():
        model[0].weight[0, 0] = 0.
        model[1].bias[1] = math.inf
    with pytest.raises(DivergenceError, match="parameter '1.bias'"):
        hook.after_train_iter(runner, 0, outputs=dict(loss=torch.tensor(1.)))
