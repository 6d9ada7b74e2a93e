"""FrozenBackboneClassifier (Cole et al.'s linear setting): only the head
trains, the frozen part keeps its batch-norm statistics, and training from
a feature cache gives what training from the images gives."""
import copy
import os
import os.path as osp

import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401
from mmpretrain_mlr.engine.hooks import FeatureCacheHook
from mmpretrain_mlr.feature_cache import CachedFeatures

REPO = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
DEMO = osp.join(REPO, 'configs', 'demo', 'resnet_shapes_single_positive.py')


def linear_cfg(work_dir, epochs=2):
    """The single-positive demo as a linear probe: 20 training images
    (16 train, 4 held out), no flips (so that the test-view cache is the
    training input exactly), no checkpoints."""
    cfg = Config.fromfile(DEMO)
    cfg.work_dir = str(work_dir)
    cfg.model.type = 'FrozenBackboneClassifier'
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        loader.dataset.num_images = 20
        loader.batch_size = 4
    cfg.train_dataloader.dataset.pipeline = cfg.train_dataloader.dataset.\
        pipeline[-1:]
    cfg.optim_wrapper.optimizer.lr = 0.05
    cfg.train_cfg.max_epochs = epochs
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint = dict(type='CheckpointHook', interval=-1)
    cfg.custom_hooks = []
    return cfg


def test_only_the_head_trains_and_the_frozen_part_keeps_its_statistics():
    cfg = linear_cfg('unused')
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.train()
    frozen_names = {n for n, _ in model.named_parameters()
                    if n.startswith(('backbone.', 'neck.'))}
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert frozen_names and trainable == {'head.fc.weight', 'head.fc.bias'}
    # batch norms in eval mode: a forward in train mode leaves their
    # running statistics as they were, and the head's gradient moves only
    # the head
    assert not any(m.training for m in model.backbone.modules())
    before = copy.deepcopy(model.state_dict())
    optimizer = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=0.5)
    images = torch.rand(4, 3, 32, 32) * 255
    logits = model.head(model.extract_feat(
        model.data_preprocessor(dict(inputs=list(images)))['inputs']))
    logits.sum().backward()
    optimizer.step()
    after = model.state_dict()
    changed = {k for k in before if not torch.equal(before[k], after[k])}
    assert changed == {'head.fc.weight', 'head.fc.bias'}


def test_the_cache_key_covers_every_tensor_of_backbone_and_neck():
    cfg = linear_cfg('unused')
    cfg.model.neck = dict(type='GlobalAveragePooling')
    model = MODELS.build(cfg.model)
    names = {n for n, _ in model.image_encoder.frozen_part_state()}
    expected = {k for k in model.state_dict()
                if k.startswith(('backbone.', 'neck.'))}
    assert names == expected and any('running_mean' in n for n in names)
    # what the cache stores: the neck's output, [B, C]
    feats = model.image_encoder.forward_to(torch.zeros(2, 3, 32, 32))
    assert feats.shape == (2, 128)


def trained_head(cfg, hook=None):
    """Train ``cfg`` (optionally with ``hook``); the head's weights and the
    validation scores, and whether the batches came from a cache."""
    torch.manual_seed(0)
    runner = Runner.from_cfg(cfg)
    if hook is not None:
        runner.register_hook(hook)
    runner.train()
    model = runner.model
    model.eval()
    scores, cached = [], []
    for batch in runner.val_dataloader:
        data = model.data_preprocessor(batch, False)
        cached.append(isinstance(data['inputs'], CachedFeatures))
        with torch.no_grad():
            scores += [s.pred_score for s in model(**data, mode='predict')]
    head = {k: v.clone() for k, v in model.state_dict().items()
            if k.startswith('head.')}
    return head, torch.stack(scores), cached


def test_training_from_the_cache_equals_training_from_the_images(tmp_path):
    images_head, images_scores, cached = trained_head(
        linear_cfg(tmp_path / 'images'))
    assert not any(cached)
    hook = FeatureCacheHook(mode='test', cache_dir=str(tmp_path / 'cache'))
    cache_head, cache_scores, cached = trained_head(
        linear_cfg(tmp_path / 'cache_run'), hook)
    assert all(cached)
    assert len(os.listdir(tmp_path / 'cache')) == 2  # train, val
    for key in images_head:
        torch.testing.assert_close(cache_head[key], images_head[key],
                                   rtol=0, atol=1e-5)
    torch.testing.assert_close(cache_scores, images_scores, rtol=0,
                               atol=1e-5)
