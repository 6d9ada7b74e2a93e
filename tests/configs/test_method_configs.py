"""The benchmark configs build their datasets, model, optimiser and metrics
and run one training iteration and one evaluation on tiny fixtures in the
real on-disk formats (tiny random CLIP / ResNet, 64 px instead of 448)."""
import math
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.evaluator import Evaluator
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmengine.runner import Runner
from mmpretrain.registry import DATASETS, MODELS

import mmpretrain_mlr  # noqa: F401  (registers the components)
from mmpretrain_mlr.datasets import resolve_class_names
from tests.datasets.fixtures_coco_voc import write_coco, write_voc
from tests.datasets.fixtures_nus_vg_cub import (write_cub, write_nus_wide,
                                                write_visual_genome)
from tests.models.conftest import RN_ARCH, VIT_ARCH

#: optimiser steps of the loss-decrease check
STEPS = 3
CONFIGS = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))), 'configs')

# config -> writer of its fixture (returns the dataset root)
CASES = {
    'dualcoop/coco.py': lambda tmp: write_coco(tmp) or tmp,
    'dualcoop/voc.py': lambda tmp: write_voc(tmp, 'VOC2007'),
    'dualcoop/nuswide.py': write_nus_wide,
    'single_positive/resnet50_voc12.py': lambda tmp: write_voc(
        tmp, 'VOC2012'),
    'single_positive/resnet50_coco.py': lambda tmp: write_coco(tmp) or tmp,
    'single_positive/resnet50_coco_linear.py':
        lambda tmp: write_coco(tmp) or tmp,
    'single_positive/resnet50_nuswide.py': write_nus_wide,
    'single_positive/resnet50_cub.py': write_cub,
    'trm_ml/coco.py': lambda tmp: write_coco(tmp) or tmp,
    'trm_ml/coco_resnet50.py': lambda tmp: write_coco(tmp) or tmp,
    'trm_ml/voc07.py': lambda tmp: write_voc(tmp, 'VOC2007'),
    'trm_ml/nuswide.py': write_nus_wide,
    'trm_ml/cub.py': write_cub,
    'trm_ml/vg200.py': lambda tmp: write_vg200(tmp),
    'sigrl/voc12_spml.py': lambda tmp: write_voc(tmp, 'VOC2012'),
    'sigrl/coco_spml.py': lambda tmp: write_coco(tmp) or tmp,
}


def write_vg200(root):
    """The VG fixture with its names file under the configs' name."""
    write_visual_genome(root)
    (root / 'vg200_classes.txt').write_text(
        (root / 'vg_classes.txt').read_text())
    return root


def shrink_pipeline(pipeline):
    """448 / 224 px -> 64 px (the Cutout keeps its half-side size)."""
    for step in pipeline:
        if step['type'] == 'Resize':
            step['scale'] = (64, 64)
        if step['type'] == 'Cutout':
            step['shape'] = 32
        if step['type'] == 'RandomResizedCrop':
            step['scale'] = 64
        if step['type'] == 'ResizeEdge':
            step['scale'] = 72
        if step['type'] == 'CenterCrop':
            step['crop_size'] = 64


def tiny_config(name, data_root):
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    for key in ('train_dataloader', 'val_dataloader', 'test_dataloader'):
        loader = cfg[key]
        loader.update(batch_size=2, num_workers=0, persistent_workers=False)
        loader.dataset.data_root = str(data_root)
        if isinstance(loader.dataset.get('classes'), str):  # a names file
            loader.dataset.classes = osp.join(
                str(data_root), osp.basename(loader.dataset.classes))
        shrink_pipeline(loader.dataset.pipeline)
    return cfg


def check_vocabulary_spec(cfg, data_root, classes):
    """The config's own vocabulary resolves; read from the dataset's files
    it gives exactly the dataset's classes."""
    spec = cfg.model.get('class_names')
    if spec is None:
        return
    if isinstance(spec, dict):
        spec.data_root = str(data_root)
        assert resolve_class_names(spec) == list(classes)
    elif spec.endswith('.txt'):  # a names file under the data root
        names = resolve_class_names(osp.join(str(data_root),
                                             osp.basename(spec)))
        assert names == list(classes)
    else:  # a dataset type: its default names (the real vocabulary)
        assert len(resolve_class_names(spec)) >= len(classes)


def adapt_model(cfg, classes):
    """Tiny weights, nothing downloaded, the fixture's vocabulary."""
    model = cfg.model
    if model.type == 'CLIPPromptClassifier':
        model.class_names = list(classes)
        model.clip = dict(arch=RN_ARCH, quick_gelu=True, pretrained=None)
        if model.head.type == 'DualCoOpHead':
            # on a random CLIP, scale 100 saturates the sigmoids of most
            # logits (no gradient): the loss-decrease check needs a few
            # that are not
            model.head.logit_scale = 10.
        if model.head.type == 'SigRLHead':  # ViT-B/16 -> a tiny ViT
            model.clip.arch = VIT_ARCH
            model.head.topk = 4
        if model.image_encoder.type == 'ProjectedBackbone':
            model.image_encoder.backbone.update(depth=18, init_cfg=None)
            model.image_encoder.update(in_channels=512,
                                       embed_dim=RN_ARCH['embed_dim'])
    else:
        model.backbone.update(depth=18, init_cfg=None)
        model.head.update(num_classes=len(classes), in_channels=512)


def check_loss_decreases(model, optim_wrapper, batch, steps=STEPS,
                         last=True):
    """A few optimiser steps on one fixed batch lower its loss: the
    config's model, loss, optimiser and learning rate train (a loss
    without gradient, frozen trainable parts or a learning rate far too
    high would not). The random state is reset before each step, so that
    dropout and other draws are the same each time and only the weights
    change. ``last=False``: some step (not necessarily the last) is below
    the first, for recipes whose first steps on a tiny random model are
    not monotone."""
    losses = []
    for _ in range(steps + 1):
        torch.manual_seed(0)
        losses.append(float(model.train_step(batch, optim_wrapper)['loss']
                            .detach()))
    assert all(map(math.isfinite, losses)), losses
    assert (losses[-1] if last else min(losses[1:])) < losses[0], losses
    return losses


@pytest.mark.parametrize('name', sorted(CASES))
def test_config_trains_one_iteration_and_evaluates(name, tmp_path):
    data_root = CASES[name](tmp_path)
    cfg = tiny_config(name, data_root)
    init_default_scope('mmpretrain')
    train_set = DATASETS.build(cfg.train_dataloader.dataset)
    assert len(train_set) >= 2
    check_vocabulary_spec(cfg, data_root, train_set.CLASSES)
    adapt_model(cfg, train_set.CLASSES)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)

    # up to 4 images: 2 can hold a single known entry whose logit the
    # random CLIP saturates, which gives no gradient
    cfg.train_dataloader.batch_size = 4
    loader = Runner.build_dataloader(cfg.train_dataloader, seed=0)
    batch = next(iter(loader))
    check_loss_decreases(model, optim_wrapper, batch)

    evaluator = Evaluator(cfg.val_evaluator)
    val_loader = Runner.build_dataloader(cfg.val_dataloader, seed=0)
    evaluator.dataset_meta = val_loader.dataset.metainfo
    for val_batch in val_loader:
        evaluator.process(model.val_step(val_batch), val_batch)
    metrics = evaluator.evaluate(len(val_loader.dataset))
    assert cfg.default_hooks.checkpoint.save_best in metrics


def test_zero_shot_config_reports_zsl_and_gzsl(tmp_path):
    """Train on the seen tags; one evaluation gives ZSL and GZSL figures."""
    data_root = write_nus_wide(tmp_path)
    cfg = tiny_config('dualcoop/nuswide_zsl.py', data_root)
    init_default_scope('mmpretrain')
    for key in ('class_names', 'test_class_names'):
        cfg.model[key].data_root = str(data_root)
    unseen = DATASETS.build(dict(cfg.model.class_names, vocabulary='unseen'))
    cfg.val_evaluator.update(num_unseen=len(unseen.CLASSES), ks=(1, 3))
    cfg.model.clip = dict(arch=RN_ARCH, quick_gelu=True, pretrained=None)
    model = MODELS.build(cfg.model)
    seen = DATASETS.build(cfg.train_dataloader.dataset).CLASSES
    assert model.class_names == list(seen)
    assert model.test_class_names == list(seen) + list(unseen.CLASSES)

    optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    batch = next(iter(Runner.build_dataloader(cfg.train_dataloader, seed=0)))
    check_loss_decreases(model, optim_wrapper, batch)

    evaluator = Evaluator(cfg.val_evaluator)
    val_loader = Runner.build_dataloader(cfg.val_dataloader, seed=0)
    for val_batch in val_loader:
        outputs = model.val_step(val_batch)
        assert outputs[0].pred_score.shape == (len(model.test_class_names), )
        evaluator.process(outputs, val_batch)
    metrics = evaluator.evaluate(len(val_loader.dataset))
    assert {'zsl/mAP', 'gzsl/mAP', 'zsl/F1@3', 'gzsl/F1@1'} <= set(metrics)


def test_sigrl_zero_shot_configs_score_each_vocabulary(tmp_path):
    """NUS-WIDE and COCO 48 / 17: the unseen vocabulary is scored on its
    own (its text features and graph) for ZSL, all classes for GZSL."""
    nus_root = write_nus_wide(tmp_path / 'nus')
    coco_root = write_coco(tmp_path / 'coco') or tmp_path / 'coco'
    seen, unseen = tmp_path / 'seen.txt', tmp_path / 'unseen.txt'
    seen.write_text('person\ncar\n')
    unseen.write_text('dog\n')
    (tmp_path / 'all.txt').write_text('person\ncar\ndog\n')
    init_default_scope('mmpretrain')
    for name, root in (('sigrl/nuswide_zsl.py', nus_root),
                       ('sigrl/coco_zsl.py', coco_root)):
        cfg = tiny_config(name, root)
        if name.startswith('sigrl/coco'):
            cfg.train_dataloader.dataset.class_subset = str(seen)
            cfg.val_dataloader.dataset.class_subset = str(tmp_path / 'all.txt')
            cfg.model.update(class_names=str(seen),
                             test_class_names=str(tmp_path / 'all.txt'),
                             test_vocabularies=dict(zsl=str(unseen)))
            cfg.val_evaluator.update(unseen_classes=str(unseen), ks=(1, ))
            num_unseen = 1
        else:
            for spec in (cfg.model.class_names, cfg.model.test_class_names,
                         cfg.model.test_vocabularies.zsl):
                spec.data_root = str(root)
            num_unseen = len(resolve_class_names(
                cfg.model.test_vocabularies.zsl))
            cfg.val_evaluator.update(num_unseen=num_unseen, ks=(1, 2))
        cfg.model.clip = dict(arch=VIT_ARCH, quick_gelu=True,
                              pretrained=None)
        cfg.model.head.topk = 4
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        optim_wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
        batch = next(iter(Runner.build_dataloader(cfg.train_dataloader,
                                                  seed=0)))
        assert {'loss_cls', 'loss_kd'} <= set(
            model.train_step(batch, optim_wrapper))
        # the ranking loss and the growing distillation term of the tiny
        # random ViT are not monotone over the first steps
        check_loss_decreases(model, optim_wrapper, batch, steps=8, last=False)

        evaluator = Evaluator(cfg.val_evaluator)
        val_loader = Runner.build_dataloader(cfg.val_dataloader, seed=0)
        evaluator.dataset_meta = val_loader.dataset.metainfo
        for val_batch in val_loader:
            outputs = model.val_step(val_batch)
            assert outputs[0].pred_score.shape == (
                len(model.test_class_names), )
            assert outputs[0].pred_score_zsl.shape == (num_unseen, )
            evaluator.process(outputs, val_batch)
        metrics = evaluator.evaluate(len(val_loader.dataset))
        assert {'zsl/mAP', 'gzsl/mAP', 'zsl/F1@1', 'gzsl/F1@1'} <= set(
            metrics), name
