"""FeatureCacheHook: evaluation and training read the frozen part's output
from disk and give what the images give; a changed run never reads an old
cache; augmented views are the pipeline's draws, one per epoch."""
import os
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate
from mmengine.runner import Runner

import mmpretrain_mlr  # noqa: F401
from mmpretrain_mlr.datasets.shapes import render_shapes
from mmpretrain_mlr.engine.hooks import FeatureCacheHook
from mmpretrain_mlr.feature_cache import CachedFeatures, FeatureCacheError
from tests.models.conftest import VIT_ARCH

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DUALCOOP = osp.join(REPO, 'configs', 'demo', 'dualcoop_shapes.py')
SIGRL = osp.join(REPO, 'configs', 'demo', 'sigrl_scenes_zsl.py')


def small_cfg(path, work_dir, num_images=16, **model):
    """A demo config on a random tiny ViT CLIP, a few images, no hooks."""
    cfg = Config.fromfile(path)
    cfg.work_dir = str(work_dir)
    cfg.model.clip = dict(arch=VIT_ARCH, pretrained=None)
    cfg.model.update(model)
    for loader in (cfg.train_dataloader, cfg.val_dataloader,
                   cfg.test_dataloader):
        loader.dataset.num_images = num_images
        loader.batch_size = 8
    cfg.train_cfg.max_epochs = 2
    cfg.param_scheduler = []
    cfg.default_hooks.checkpoint.save_best = None
    cfg.custom_hooks = []
    return cfg


def predictions(runner, loader):
    """Scores [N, C] of every batch of ``loader``, and whether the batches
    came from a cache."""
    scores, cached = [], []
    runner.model.eval()
    for batch in loader:
        data = runner.model.data_preprocessor(batch, False)
        cached.append(isinstance(data['inputs'], CachedFeatures))
        with torch.no_grad():
            samples = runner.model(**data, mode='predict')
        scores.append(torch.stack([s.pred_score for s in samples]))
    return torch.cat(scores), cached


def cache_folders(cache_dir):
    return sorted(os.listdir(cache_dir)) if osp.isdir(cache_dir) else []


def test_test_view_cache_predicts_what_the_images_predict(tmp_path):
    torch.manual_seed(0)
    runner = Runner.from_cfg(small_cfg(DUALCOOP, tmp_path / 'work'))
    loader = runner.test_dataloader
    from_images, cached = predictions(runner, loader)
    assert not any(cached)
    hook = FeatureCacheHook(cache_dir=str(tmp_path / 'cache'))
    hook.before_test(runner)
    from_cache, cached = predictions(runner, loader)
    assert all(cached)
    torch.testing.assert_close(from_cache, from_images, rtol=0, atol=1e-6)
    assert len(cache_folders(tmp_path / 'cache')) == 1


def test_partly_trained_tower_and_teacher_from_the_cache(tmp_path):
    # SigRL: the last block and the tail train, a frozen teacher distils:
    # the cache holds the tokens after the first block; the loss (ranking,
    # distillation towards the teacher) equals the images' loss
    torch.manual_seed(0)
    cfg = small_cfg(SIGRL, tmp_path / 'work', num_images=8)
    cfg.model.image_encoder.trainable_blocks = 1
    # no augmentation, so that the images and their one view are the same
    cfg.train_dataloader.dataset.pipeline = [
        dict(type='PackInputs', algorithm_keys=('observed_label', ))]
    runner = Runner.from_cfg(cfg)
    model = runner.model
    assert model.image_encoder.frozen_depth() == 1
    with torch.no_grad():  # a student that has moved from its teacher
        for param in model.image_encoder.visual.transformer.resblocks[
                1].parameters():
            param.add_(0.05 * torch.randn_like(param))
    dataset = runner.train_dataloader.dataset

    def batch():
        return pseudo_collate([dataset[i] for i in range(len(dataset))])

    model.train()
    images = model.data_preprocessor(batch(), True)
    with torch.no_grad():
        expected = model(**images, mode='loss')
    FeatureCacheHook(mode='augmented', cache_dir=str(tmp_path / 'cache'),
                     splits=('train', )).before_train(runner)
    cached = model.data_preprocessor(batch(), True)
    assert isinstance(cached['inputs'], CachedFeatures)
    assert cached['inputs'].depth == 1
    with torch.no_grad():
        # the stored tokens are the first block's output on the images
        tokens = model.image_encoder.forward_to(images['inputs'], 1)
        torch.testing.assert_close(cached['inputs'].tensor, tokens,
                                   rtol=0, atol=1e-6)
        got = model(**cached, mode='loss')
    assert set(got) == set(expected) == {'loss_cls', 'loss_kd'}
    assert expected['loss_kd'] > 1e-3  # the teacher's own later block ran
    for name in expected:
        torch.testing.assert_close(got[name], expected[name], rtol=0,
                                   atol=1e-5)


def test_a_changed_run_never_reads_the_old_cache(tmp_path):
    cache = str(tmp_path / 'cache')

    def fill(cfg, tweak=None):
        torch.manual_seed(0)  # the same random tower each time
        runner = Runner.from_cfg(cfg)
        if tweak is not None:
            tweak(runner)
        FeatureCacheHook(cache_dir=cache).before_test(runner)
        return cache_folders(cache)

    base = small_cfg(DUALCOOP, tmp_path / 'w0')
    first = fill(base)
    assert len(first) == 1
    # the same run again, and one with other known labels: same cache
    assert fill(small_cfg(DUALCOOP, tmp_path / 'w1')) == first
    labels = small_cfg(DUALCOOP, tmp_path / 'w2')
    labels.test_dataloader.dataset.label_protocol = dict(
        type='PartialLabels', p=0.3, seed=1)
    assert fill(labels) == first

    def other_weights(runner):
        with torch.no_grad():
            runner.model.image_encoder.visual.conv1.weight[0, 0, 0, 0] += 1

    assert len(fill(small_cfg(DUALCOOP, tmp_path / 'w3'),
                    other_weights)) == 2
    pipeline = small_cfg(DUALCOOP, tmp_path / 'w4')
    pipeline.test_dataloader.dataset.pipeline.insert(
        0, dict(type='RandomFlip', prob=1.0, direction='horizontal'))
    assert len(fill(pipeline)) == 3
    images = small_cfg(DUALCOOP, tmp_path / 'w5', num_images=12)
    assert len(fill(images)) == 4
    size = small_cfg(DUALCOOP, tmp_path / 'w6')
    size.test_dataloader.dataset.image_size = 96
    assert len(fill(size)) == 5
    half = small_cfg(DUALCOOP, tmp_path / 'w7')
    torch.manual_seed(0)
    runner = Runner.from_cfg(half)
    FeatureCacheHook(cache_dir=cache, dtype='float16').before_test(runner)
    assert len(cache_folders(cache)) == 6


def test_augmented_views_are_pipeline_draws_one_view_per_epoch(tmp_path):
    torch.manual_seed(0)
    cfg = small_cfg(DUALCOOP, tmp_path / 'work')  # RandomFlip(prob=0.5)
    runner = Runner.from_cfg(cfg)
    model, dataset = runner.model, runner.train_dataloader.dataset
    # both orientations of every image, by hand from the rendered image
    with torch.no_grad():
        plain, flipped = [], []
        for i in range(len(dataset)):
            info = dataset.get_data_info(i)
            image = render_shapes(info['objects'], info['background'],
                                  dataset.image_size)
            packed = dataset.pipeline.transforms[-1](dict(info, img=image))
            img = packed['inputs']
            for out, x in ((plain, img), (flipped, img.flip(-1))):
                data = model.data_preprocessor(
                    dict(inputs=[x], data_samples=[packed['data_samples']]))
                out.append(model.image_encoder.forward_to(data['inputs'])[0])
    hook = FeatureCacheHook(mode='augmented', num_views=2,
                            cache_dir=str(tmp_path / 'cache'),
                            splits=('train', ))
    hook.before_train(runner)
    seen = {0: [], 1: []}
    for epoch in (0, 1):
        runner.train_loop._epoch = epoch
        hook.before_train_epoch(runner)
        for i in range(len(dataset)):
            row = dataset[i]['inputs']
            if torch.allclose(row, plain[i], atol=1e-6):
                seen[epoch].append('plain')
            else:
                torch.testing.assert_close(row, flipped[i], rtol=0,
                                           atol=1e-6)
                seen[epoch].append('flipped')
    # each view a draw of the flip: both kinds occur, and the views differ
    for kinds in seen.values():
        assert {'plain', 'flipped'} <= set(kinds)
    assert seen[0] != seen[1]


def test_models_the_cache_cannot_serve_are_refused(tmp_path):
    cfg = small_cfg(DUALCOOP, tmp_path / 'work')
    cfg.model.image_encoder = dict(type='CLIPImageEncoder', frozen=False)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(FeatureCacheError, match='no frozen part to cache'):
        FeatureCacheHook(cache_dir=str(tmp_path / 'c')).before_test(runner)
    with pytest.raises(ValueError, match='num_views=2 needs mode'):
        FeatureCacheHook(num_views=2)
    assert not np.any([osp.exists(tmp_path / 'c')])


CACHED_DEMO = '''
_base_ = [{demo!r}]
custom_hooks = [dict(type='FeatureCacheHook', mode='augmented',
                     num_views=2, cache_dir={cache!r})]
'''


def test_stock_tools_train_and_test_from_the_cache(tmp_path, run_tool):
    # tools/train.py fills each view and the validation set; tools/test.py
    # then reads the validation set's cache (the same images) and gives
    # the last validation figure (two ranks filling one cache:
    # tests/feature_cache/test_distributed_fill.py)
    from tests.conftest import DEMO_CONFIG, demo_options, write_random_clip
    clip = write_random_clip(tmp_path / 'clip.pt', 0)
    config = tmp_path / 'cached_demo.py'
    config.write_text(CACHED_DEMO.format(
        demo=osp.join(REPO, DEMO_CONFIG), cache=str(tmp_path / 'cache')))
    work_dir = tmp_path / 'work'
    train = run_tool('tools/train.py', config, '--work-dir', work_dir,
                     *demo_options(clip))
    log = train.stdout + train.stderr
    for name in ('train (augmented view 1 of 2)',
                 'train (augmented view 2 of 2)', 'val (test view)'):
        assert f'feature cache: filling {name}' in log
    assert len(os.listdir(tmp_path / 'cache')) == 3
    for store in os.listdir(tmp_path / 'cache'):
        assert sorted(os.listdir(tmp_path / 'cache' / store)) == [
            'manifest.json', 'part-0-of-1.npy']
    val_map = [float(line.split('multi-label/mAP: ')[1].split()[0])
               for line in log.splitlines()
               if 'Epoch(val)' in line and 'multi-label/mAP: ' in line][-1]
    test = run_tool('tools/test.py', config, work_dir / 'epoch_2.pth',
                    '--work-dir', tmp_path / 'test', *demo_options(clip))
    out = test.stdout + test.stderr
    assert 'feature cache: test (test view) read from' in out
    test_map = float(out.split('multi-label/mAP: ')[-1].split()[0])
    assert test_map == pytest.approx(val_map, abs=1e-3)
