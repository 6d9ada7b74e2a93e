"""compare_losses.py: every preset builds, and the child configs it writes
swap exactly the loss (and the label protocol for the upper bound)."""
import importlib
import os.path as osp

import pytest
from mmengine.config import Config
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401  (registers the components)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs', 'demo', 'resnet_shapes_single_positive.py')


@pytest.fixture(scope='module')
def script():
    import sys
    sys.path.insert(0, osp.join(REPO, 'tools', 'analysis_tools'))
    try:
        yield importlib.import_module('compare_losses')
    finally:
        sys.path.remove(osp.join(REPO, 'tools', 'analysis_tools'))


def test_training_set_stats_of_the_demo(script):
    num_samples, num_classes, num_pos = script.training_set_stats(
        Config.fromfile(DEMO))
    # 2,000 rendered images, 20 % held out: round(0.2 * 2000) = 400
    assert (num_samples, num_classes) == (1600, 10)
    assert 1 < num_pos < 6


def test_every_preset_builds_from_its_child_config(script, tmp_path):
    presets = script.loss_presets(num_samples=1600, num_classes=10,
                                  expected_num_pos=2.8, max_epochs=10)
    assert {'full labels', 'AN', 'ROLE', 'EM', 'EM+APL', 'LL-R', 'LL-Ct',
            'LL-Cp', 'SPLC'} <= set(presets)
    # LL's rate reaches (k - 1) / C by the last epoch
    assert presets['LL-R']['delta_rel'] == pytest.approx(1.8 / 10 / 10)
    for name, loss in presets.items():
        child = tmp_path / 'config.py'
        child.write_text(script.child_config(DEMO, loss,
                                             name == 'full labels'))
        cfg = Config.fromfile(str(child))
        assert cfg.model.head.loss == loss  # replaced, not merged
        protocol = cfg.train_dataloader.dataset.label_protocol
        assert (protocol is None) == (name == 'full labels')
        MODELS.build(cfg.model.head.loss)
        if name == 'EM+APL':  # the authors' end-of-epoch inference pass
            hook = cfg.custom_hooks[-1]
            assert hook.type == 'TrainingSetInferenceHook'
            assert hook.dataloader.dataset.holdout.part == 'train'
            assert not hook.dataloader.sampler.shuffle
            assert {'LossEpochHook', 'BestAndLastHook'} <= {
                h.type for h in cfg.custom_hooks}
        if name == 'ROLE':
            keys = cfg.optim_wrapper.paramwise_cfg.custom_keys
            assert keys['loss_module.label_logits']['lr_mult'] == 10


def test_table_format(script):
    row = dict(loss='AN', best=57.371, best_epoch=5, last=56.08, test=56.43,
               seconds=74.2)
    assert script.format_table([row]).splitlines()[-1] == \
        '| AN | 57.37 (5) | 56.08 | 56.43 | 74 |'
