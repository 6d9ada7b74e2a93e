"""The shapes CLIP cache: one build under two processes, found by name,
loaded by the classifier. The recipe runs with a tiny budget here."""
import os
import os.path as osp
import shutil

import pytest
import torch

from mmpretrain_mlr.models.clip import build_open_clip, shapes_clip
from tests.forkserver import forkserver_context, start_processes

TINY = {
    'train_dataloader.dataset.num_images': 8,
    'train_dataloader.batch_size': 4,
    'train_dataloader.dataset.cache_images': False,
    'train_cfg.max_epochs': 1,
    'param_scheduler': [dict(type='ConstantLR', factor=1.0, by_epoch=True,
                             begin=0, end=1)],
    'default_hooks.checkpoint.interval': 1,
}


def _worker(rank, barrier, cache_dir, out_dir):
    """Count this process's builds, then ask for the file."""
    real_build = shapes_clip._build

    def counting_build(*args):
        with open(osp.join(out_dir, 'builds.txt'), 'a') as f:
            f.write(f'{rank}\n')
        real_build(*args)

    shapes_clip._build = counting_build
    barrier.wait()
    path = shapes_clip.shapes_clip_file(cache_dir, cfg_options=TINY)
    state = torch.load(path, weights_only=True)  # readable as soon as found
    with open(osp.join(out_dir, f'{rank}.txt'), 'w') as f:
        f.write(f'{path}\n{len(state)}')


@pytest.fixture(scope='module')
def built(tmp_path_factory):
    """Two processes ask for the tiny shapes CLIP at once."""
    cache_dir = str(tmp_path_factory.mktemp('cache'))
    out_dir = str(tmp_path_factory.mktemp('out'))
    # forkserver children (tests/forkserver.py), as spawned ones but with the
    # package imported once; not forks of this process, which could
    # deadlock in the OpenMP thread pool its torch already started
    barrier = forkserver_context().Barrier(2)
    start_processes(_worker, args=(barrier, cache_dir, out_dir))
    return cache_dir, out_dir


def test_two_processes_build_once(built):
    cache_dir, out_dir = built
    with open(osp.join(out_dir, 'builds.txt')) as f:
        assert len(f.read().split()) == 1
    results = []
    for rank in (0, 1):
        with open(osp.join(out_dir, f'{rank}.txt')) as f:
            results.append(f.read().split('\n'))
    assert results[0] == results[1]
    path, num_tensors = results[0]
    assert osp.dirname(path) == cache_dir and int(num_tensors) > 0
    names = os.listdir(cache_dir)
    assert not [n for n in names if n.startswith('.')]  # no temporaries
    stem = osp.basename(path)[:-len('.pth')]
    assert {f'{stem}.pth', f'{stem}.build', f'{stem}.recipe.py'} <= set(names)


def test_the_key_follows_the_recipe():
    tiny = shapes_clip.recipe_key(shapes_clip.load_recipe(cfg_options=TINY))
    other = shapes_clip.recipe_key(shapes_clip.load_recipe(
        cfg_options=dict(TINY, **{'optim_wrapper.optimizer.lr': 1e-3})))
    assert len(tiny) == 16 and tiny != other
    assert tiny == shapes_clip.recipe_key(
        shapes_clip.load_recipe(cfg_options=TINY))


def test_found_by_name_and_loaded_by_the_classifier(built, tmp_path,
                                                     monkeypatch):
    from mmpretrain.registry import MODELS

    # no shipped weights: the name resolves to the recipe's build, placed
    # here where the default recipe's file would be
    monkeypatch.setattr(shapes_clip, 'SHIPPED_DIR', str(tmp_path / 'none'))
    recipe = shapes_clip.load_recipe()
    name = f'shapes_clip-{shapes_clip.recipe_key(recipe)}.pth'
    [tiny] = [n for n in os.listdir(built[0]) if n.endswith('.pth')]
    shutil.copy(osp.join(built[0], tiny), tmp_path / name)
    monkeypatch.setenv('MMPRETRAIN_MLR_CACHE', str(tmp_path))
    state = torch.load(tmp_path / name, weights_only=True)

    model = MODELS.build(dict(
        type='CLIPPromptClassifier',
        class_names=['red circle', 'green square'],
        clip=dict(arch=shapes_clip.recipe_arch(recipe), pretrained='shapes'),
        prompt_learner=dict(type='FixedPromptLearner'),
        head=dict(type='DualCoOpHead')))
    torch.testing.assert_close(model.text_encoder.token_embedding.weight,
                               state['token_embedding.weight'])
    torch.testing.assert_close(model.image_encoder.visual.conv1.weight,
                               state['visual.conv1.weight'])
    model.eval()
    with torch.no_grad():
        samples = model(torch.zeros(2, 3, 64, 64), mode='predict')
    assert samples[0].pred_score.shape == (2, )

    clip_model, _ = build_open_clip(pretrained='shapes')  # arch from recipe
    torch.testing.assert_close(clip_model.logit_scale, state['logit_scale'])


def test_a_different_arch_is_an_error(tmp_path):
    with pytest.raises(ValueError, match='shapes_clip_arch'):
        build_open_clip(arch=dict(embed_dim=32, vision_cfg=dict(),
                                  text_cfg=dict()),
                        pretrained='shapes', cache_dir=str(tmp_path))
    assert not os.listdir(tmp_path)  # nothing was built


def test_cache_dir_follows_the_environment(monkeypatch):
    monkeypatch.delenv('MMPRETRAIN_MLR_CACHE', raising=False)
    monkeypatch.setenv('XDG_CACHE_HOME', '/somewhere')
    assert shapes_clip.default_cache_dir() == '/somewhere/mmpretrain_mlr'
    monkeypatch.delenv('XDG_CACHE_HOME')
    assert shapes_clip.default_cache_dir() == osp.join(
        osp.expanduser('~'), '.cache', 'mmpretrain_mlr')
    monkeypatch.setenv('MMPRETRAIN_MLR_CACHE', '/mine')
    assert shapes_clip.default_cache_dir() == '/mine'
