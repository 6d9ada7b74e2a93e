"""VocabularyCheckHook: a model vocabulary in another order than the
labels' is refused before the first iteration, at test time and when a
checkpoint trained on other classes is loaded."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner

import mmpretrain_mlr  # noqa: F401
from tests.models.conftest import VIT_ARCH

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs', 'demo', 'dualcoop_shapes.py')


def demo_cfg(work_dir, **model):
    cfg = Config.fromfile(DEMO)
    cfg.work_dir = str(work_dir)
    cfg.model.clip = dict(arch=VIT_ARCH, pretrained=None)
    cfg.model.update(model)
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        loader.dataset.num_images = 32
    cfg.train_cfg.max_epochs = 1
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.save_best = None
    cfg.custom_hooks = []
    return cfg


def swapped(names):
    names = list(names)
    names[0], names[1] = names[1], names[0]
    return names


def test_the_demo_has_the_hook_and_its_vocabulary_passes(tmp_path):
    cfg = demo_cfg(tmp_path)
    assert cfg.default_hooks.vocabulary_check.type == 'VocabularyCheckHook'
    runner = Runner.from_cfg(cfg)
    runner.test()  # the hook ran before testing and found nothing wrong


def test_swapped_class_names_fail_before_the_first_iteration(tmp_path):
    cfg = demo_cfg(tmp_path)
    names = swapped(cfg.model.class_names)
    cfg = demo_cfg(tmp_path, class_names=names)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(ValueError) as err:
        runner.train()
    message = str(err.value)
    assert 'model.class_names' in message and 'position 0' in message
    assert repr(names[0]) in message and repr(names[1]) in message
    assert runner.iter == 0


def test_swapped_test_names_fail_before_testing(tmp_path):
    cfg = demo_cfg(tmp_path)
    cfg = demo_cfg(tmp_path, test_class_names=swapped(cfg.model.class_names))
    with pytest.raises(ValueError, match='model.test_class_names differs '
                       "from the test set's"):
        Runner.from_cfg(cfg).test()


def test_checkpoint_of_another_vocabulary_is_refused(tmp_path):
    cfg = demo_cfg(tmp_path)
    runner = Runner.from_cfg(copy.deepcopy(cfg))
    state = runner.model.state_dict()
    path = str(tmp_path / 'other_vocabulary.pth')
    classes = swapped(cfg.model.class_names)
    torch.save(dict(meta=dict(dataset_meta=dict(classes=classes)),
                    state_dict=state), path)
    with pytest.raises(ValueError, match="checkpoint's meta.dataset_meta"):
        runner.load_checkpoint(path)
    good = str(tmp_path / 'same_vocabulary.pth')
    torch.save(dict(meta=dict(dataset_meta=dict(
        classes=list(cfg.model.class_names))), state_dict=state), good)
    runner.load_checkpoint(good)
