"""The scenes demos build from their configs and train: each model on the
scenes CLIP's architecture (random weights here), a few optimiser steps on
a fixed batch of scenes lower its loss, and evaluation fills the metric."""
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpretrain.registry import DATASETS, MODELS

import mmpretrain_mlr  # noqa: F401  (registers the components)

CONFIGS = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))), 'configs', 'demo')
DEMOS = ['dualcoop_scenes.py', 'trm_ml_scenes.py', 'sigrl_scenes_zsl.py',
         'dualcoop_scenes_single_positive.py', 'zero_shot_scenes.py']


def random_clip_cfg(name):
    """The demo's config on a random CLIP, mmpretrain's scope the default
    (the models build in it, whichever test ran before)."""
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(CONFIGS, name))
    cfg.model.clip.pretrained = None  # the architecture, random weights
    return cfg


def batch(cfg, num_images=4):
    """The first ``num_images`` training samples, the same in every run:
    the training pipeline's RandomFlip draws from numpy's global generator,
    seeded here."""
    np.random.seed(0)
    dataset_cfg = cfg.train_dataloader.dataset.copy()
    # twice as many: a held-out part (single positive) takes some
    dataset_cfg.update(num_images=2 * num_images, cache_images=False)
    dataset = DATASETS.build(dataset_cfg)
    samples = [dataset[i] for i in range(num_images)]
    return dict(inputs=[s['inputs'] for s in samples],
                data_samples=[s['data_samples'] for s in samples])


@pytest.mark.parametrize('name', DEMOS)
def test_scene_demo_builds_on_a_vit_with_64_patch_tokens(name):
    cfg = random_clip_cfg(name)
    model = MODELS.build(cfg.model)
    data = model.data_preprocessor(batch(cfg, 2), False)
    assert data['inputs'].shape == (2, 3, 128, 128)
    feats = model.image_encoder(data['inputs'])
    # 8 x 8 patch tokens of a patch-16 ViT (no class token among them)
    assert feats.dense_feat.shape[1] == 64
    model.eval()
    with torch.no_grad():
        out = model(data['inputs'], data['data_samples'], mode='predict')
    width = len(cfg.model.get('test_class_names') or cfg.model.class_names)
    assert out[0].pred_score.shape == (width, )


@pytest.mark.parametrize('name', DEMOS[:4])
def test_scene_demo_loss_decreases_on_a_fixed_batch(name):
    cfg = random_clip_cfg(name)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    data = model.data_preprocessor(batch(cfg, 4), True)
    optim = build_optim_wrapper(model, cfg.optim_wrapper)

    def total_loss():
        return sum(v for k, v in model(**data, mode='loss').items()
                   if k.startswith('loss'))

    def measured():  # the same dropout draws before and after training
        torch.manual_seed(1)
        with torch.no_grad():
            return float(total_loss())

    before = measured()
    # 10 steps: SigRL's distillation term is 0 before the first step (the
    # trained blocks start as the frozen teacher's) and jumps at it; its
    # total goes below the first loss after 4 to 7 steps, by the batch
    for _ in range(10):
        optim.update_params(total_loss())
    assert measured() < before


def test_the_zero_shot_split_is_fixed_and_disjoint():
    cfg = Config.fromfile(osp.join(CONFIGS, 'sigrl_scenes_zsl.py'))
    unseen = cfg.model.test_vocabularies.zsl
    assert len(unseen) == 12 and len(cfg.model.class_names) == 36
    assert not set(unseen) & set(cfg.model.class_names)
    assert unseen[:3] == ['red star', 'orange square', 'orange ring']
    assert cfg.val_evaluator.unseen_classes == unseen


def test_full_label_diagnostic_trains_the_scenes_tower_design_on_every_label():
    # configs/demo/scenes_vit_full_labels.py: the scenes CLIP's tower design
    # (patch-16 ViT at 128 px, 4 blocks of width 64, patch tokens averaged)
    # with a linear head on the full labels (no protocol)
    init_default_scope('mmpretrain')
    cfg = Config.fromfile(osp.join(CONFIGS, 'scenes_vit_full_labels.py'))
    assert cfg.train_dataloader.dataset.label_protocol is None
    model = MODELS.build(cfg.model)
    arch = Config.fromfile(osp.join(
        osp.dirname(CONFIGS), '_base_', 'models',
        'scenes_clip.py')).scenes_clip_arch.vision_cfg
    backbone = model.backbone
    assert backbone.patch_embed.projection.kernel_size == (
        arch.patch_size, arch.patch_size)
    assert len(backbone.layers) == arch.layers
    assert backbone.embed_dims == arch.width
    data = model.data_preprocessor(batch(cfg, 2), True)
    tokens = backbone.patch_embed(data['inputs'])[1]
    assert tokens == (8, 8)  # 64 patch tokens, as the scenes CLIP's
    # every label: the targets are the scenes' full label vectors
    np.random.seed(0)
    dataset = DATASETS.build(dict(cfg.train_dataloader.dataset,
                                  num_images=4, cache_images=False))
    for i, sample in enumerate(data['data_samples']):
        assert sorted(sample.gt_label.tolist()) == sorted(
            np.flatnonzero(dataset.full_labels[i] > 0).tolist())
        assert 'observed_label' not in sample
    losses = model(**data, mode='loss')
    assert torch.isfinite(losses['loss'])
