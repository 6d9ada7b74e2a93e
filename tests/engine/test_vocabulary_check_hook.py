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


# -- zero-shot vocabularies (model.test_vocabularies) ---------------------
SIGRL_DEMO = osp.join(REPO, 'configs', 'demo', 'sigrl_shapes_zsl.py')
UNSEEN = list(Config.fromfile(SIGRL_DEMO).unseen_classes)


@pytest.fixture(scope='module')
def sigrl_runner(tmp_path_factory):
    """The SigRL zero-shot demo, small and on a random CLIP, built once; a
    test sets the vocabularies it needs (as the config would) and restores
    them after."""
    cfg = Config.fromfile(SIGRL_DEMO)
    cfg.work_dir = str(tmp_path_factory.mktemp('sigrl'))
    cfg.model.clip.pretrained = None
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        loader.dataset.num_images = 8
        loader.batch_size = 8
    cfg.train_cfg.max_epochs = 1
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.save_best = None
    cfg.custom_hooks = []
    runner = Runner.from_cfg(cfg)
    assert runner.model.test_vocabularies == dict(zsl=UNSEEN)
    yield runner


@pytest.fixture
def zsl_runner(sigrl_runner, monkeypatch):
    """Set ``model.test_vocabularies`` / the metrics' ``unseen_classes``;
    any forward pass of the model fails: nothing may be scored."""
    runner = sigrl_runner

    def forward(*args, **kwargs):
        raise AssertionError('the model scored a batch before the check')

    for step in ('forward', 'train_step', 'val_step', 'test_step'):
        monkeypatch.setattr(runner.model, step, forward)

    def setup(vocabularies, unseen_classes=None):
        monkeypatch.setattr(runner.model, 'test_vocabularies', vocabularies)
        if unseen_classes is not None:
            for loop in (runner.val_loop, runner.test_loop):
                for metric in loop.evaluator.metrics:
                    monkeypatch.setattr(metric, 'unseen_classes',
                                        unseen_classes)
        return runner

    return setup


def test_sigrl_demo_zsl_vocabulary_passes(sigrl_runner):
    metrics = sigrl_runner.test()
    assert 'zsl/mAP' in metrics


def test_swapped_zsl_names_are_refused_before_scoring(zsl_runner):
    zsl = list(UNSEEN)
    zsl[1], zsl[2] = zsl[2], zsl[1]  # 'red square' before 'yellow circle'
    runner = zsl_runner(dict(zsl=zsl))
    with pytest.raises(ValueError) as err:
        runner.test()
    message = str(err.value)
    assert "model.test_vocabularies['zsl']" in message
    assert 'position 1' in message
    assert repr(UNSEEN[2]) in message and repr(UNSEEN[1]) in message


def test_foreign_zsl_name_is_refused_before_scoring(zsl_runner):
    zsl = list(UNSEEN)
    assert zsl[0] == 'blue circle'
    zsl[0] = 'purple hexagon'
    runner = zsl_runner(dict(zsl=zsl))
    with pytest.raises(ValueError) as err:
        runner.test()
    message = str(err.value)
    assert "model.test_vocabularies['zsl']" in message
    assert 'position 0' in message
    assert "'purple hexagon'" in message and "'blue circle'" in message


def test_zsl_vocabulary_in_metric_order_but_not_column_order(zsl_runner):
    # ZeroShotMetric reads the zsl scores as the unseen columns in column
    # order; listing the unseen classes (both places) in another order
    # would score every prompt as another class's column.
    runner = zsl_runner(dict(zsl=UNSEEN[::-1]), unseen_classes=UNSEEN[::-1])
    with pytest.raises(ValueError, match='position 0: '
                       "'yellow triangle' instead of 'blue circle'"):
        runner.test()


def test_vocabulary_no_metric_reads_must_name_classes(zsl_runner):
    runner = zsl_runner(dict(zsl=UNSEEN, extra=['red circle', 'pink star']))
    with pytest.raises(ValueError, match=r"test_vocabularies\['extra'\] "
                       "position 1: 'pink star' is not a class"):
        runner.test()


def test_wrong_test_vocabulary_fails_before_training_iteration_1(
        zsl_runner):
    zsl = list(UNSEEN)
    zsl[-1] = 'purple hexagon'
    runner = zsl_runner(dict(zsl=zsl))
    with pytest.raises(ValueError, match="'purple hexagon' instead of "
                       "'yellow triangle'"):
        runner.train()
    assert runner.iter == 0


def test_missing_zsl_vocabulary_fails_before_training(zsl_runner):
    runner = zsl_runner({})
    with pytest.raises(ValueError, match="reads the scores 'pred_score_zsl'"
                       r'.*test_vocabularies has \[\]'):
        runner.train()
    assert runner.iter == 0


def test_swapped_test_names_fail_before_testing(sigrl_runner, monkeypatch):
    # a prompt model with fixed templates scores any vocabulary, so a
    # test vocabulary in another order than the test set's would score
    names = swapped(sigrl_runner.model.test_class_names)
    monkeypatch.setattr(sigrl_runner.model, 'test_class_names', names)
    with pytest.raises(ValueError, match='model.test_class_names differs '
                       "from the test set's.*position 0"):
        sigrl_runner.test()
