"""The project's CLIPs by name: shipped weights checked and expanded,
damaged cache files moved aside and rebuilt, unwritable cache folders
named."""
import json
import os
import os.path as osp
import sys

import open_clip
import pytest
import torch

from mmpretrain_mlr.models.clip import shapes_clip
from mmpretrain_mlr.models.clip.shipped_weights import (TOKEN_EMBEDDING,
                                                        unpack_shipped)

# the maintainers' tool that writes shipped weights
sys.path.insert(0, osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.dirname(osp.abspath(__file__))))), 'tools', 'model_converters'))
from ship_project_clip import (pack_shipped, project_corpus,  # noqa: E402
                               used_token_ids)

TINY_ARCH = dict(embed_dim=16,
                 vision_cfg=dict(layers=1, width=32, patch_size=16,
                                 image_size=32, head_width=16),
                 text_cfg=dict(context_length=77, vocab_size=49408,
                               width=16, heads=2, layers=1))


@pytest.fixture(scope='module')
def tiny_state(tmp_path_factory):
    torch.manual_seed(0)
    state = open_clip.CLIP(**TINY_ARCH).state_dict()
    path = str(tmp_path_factory.mktemp('built') / 'open_clip.pth')
    torch.save(state, path)
    return path, state


def test_the_corpus_covers_every_scene_class_and_prompt():
    ids = set(used_token_ids(project_corpus()).tolist())
    tokenizer = open_clip.SimpleTokenizer()
    for text in ('a photo of a purple ring.', 'two white bars',
                 'There is a cyan cross in the scene.'):
        tokens = tokenizer([text])[0]
        assert set(tokens[tokens > 0].tolist()) <= ids
    assert len(ids) < 200  # a few rows of the 49,408


@pytest.mark.parametrize('dtype', ['float16', 'float32'])
def test_shipped_weights_round_trip(tiny_state, tmp_path, dtype):
    built, state = tiny_state
    shipped = str(tmp_path / 'ship' / 'tiny.pth')
    digest = pack_shipped(built, shipped, recipe_key='k1', dtype=dtype)
    with open(str(tmp_path / 'ship' / 'tiny.json')) as f:
        record = json.load(f)
    assert record['sha256'] == digest == shapes_clip.file_sha256(shipped)
    assert record['dtype'] == dtype
    # the token embedding is most of a tiny CLIP: its unused rows go
    assert osp.getsize(shipped) < {'float16': 0.3, 'float32': 0.6}[
        dtype] * osp.getsize(built)
    # float16 rounds the build; float32 keeps its bits
    shipped_value = {'float16': lambda v: v.half().float(),
                     'float32': lambda v: v}[dtype]

    path = unpack_shipped(shipped, str(tmp_path / 'cache'), recipe_key='k1')
    expanded = torch.load(path, weights_only=True)
    assert set(expanded) == set(state)
    ids = used_token_ids(project_corpus())
    for key, value in state.items():
        if key == TOKEN_EMBEDDING:
            continue
        torch.testing.assert_close(expanded[key], shipped_value(value),
                                   rtol=0, atol=0)
    embedding = expanded[TOKEN_EMBEDDING]
    torch.testing.assert_close(embedding[ids],
                               shipped_value(state[TOKEN_EMBEDDING][ids]),
                               rtol=0, atol=0)
    others = torch.ones(len(embedding), dtype=torch.bool)
    others[ids] = False
    assert embedding[others].abs().sum() == 0
    # loads into the architecture as open_clip reads checkpoints
    model = open_clip.CLIP(**TINY_ARCH)
    open_clip.load_checkpoint(model, path)
    # a second use finds the expanded file
    assert unpack_shipped(shipped, str(tmp_path / 'cache'), 'k1') == path


@pytest.mark.parametrize('name', sorted(shapes_clip.PROJECT_CLIPS))
def test_every_project_clip_ships_weights_of_its_recipe_architecture(name):
    """Every machine runs the demos on the same bits: each name has
    shipped weights, intact, with the tensors of its recipe's architecture.
    (A recipe edited since they were built is reported when they are used,
    not refused: the published figures were measured on them.)"""
    shipped = osp.join(shapes_clip.SHIPPED_DIR, f'{name}.pth')
    with open(shipped[:-len('.pth')] + '.json') as f:
        record = json.load(f)
    assert record['sha256'] == shapes_clip.file_sha256(shipped)
    recipe = shapes_clip.load_recipe(shapes_clip.recipe_path(name))
    packed = torch.load(shipped, weights_only=True)
    model = open_clip.CLIP(**shapes_clip.recipe_arch(recipe))
    expected = {k: v.shape for k, v in model.state_dict().items()}
    assert packed[TOKEN_EMBEDDING + '.shape'].tolist() == list(
        expected.pop(TOKEN_EMBEDDING))
    assert {k: v.shape for k, v in packed.items()
            if not k.startswith(TOKEN_EMBEDDING)} == expected


def test_damaged_or_outdated_shipped_weights(tiny_state, tmp_path,
                                             monkeypatch):
    from mmpretrain_mlr.models.clip import shipped_weights
    logged = []
    monkeypatch.setattr(shipped_weights, 'print_log',
                        lambda msg, **kwargs: logged.append(msg))
    built, _ = tiny_state
    shipped = str(tmp_path / 'tiny.pth')
    pack_shipped(built, shipped, recipe_key='k1')
    unpack_shipped(shipped, str(tmp_path / 'cache'), recipe_key='k2')
    assert any('built by an earlier recipe' in msg for msg in logged)
    with open(shipped, 'r+b') as f:
        f.seek(osp.getsize(shipped) // 2)
        f.write(b'\x00' * 64)
    with pytest.raises(RuntimeError, match='tiny.pth is damaged'):
        unpack_shipped(shipped, str(tmp_path / 'cache'), recipe_key='k1')


def _fake_build(cfg_file, path):
    """Stand-in for the recipe's run: a valid file and its digest."""
    torch.save({'x': torch.ones(2)}, path)
    digest = shapes_clip.file_sha256(path)
    with open(path + '.sha256', 'w') as f:
        f.write(digest)


@pytest.mark.parametrize('damage', ['garbage', 'truncated', 'edited'])
def test_a_damaged_cache_file_is_moved_aside_and_rebuilt(
        tmp_path, monkeypatch, damage):
    monkeypatch.setattr(shapes_clip, '_build', _fake_build)
    path = shapes_clip.shapes_clip_file(str(tmp_path))
    with open(path, 'rb') as f:
        content = f.read()
    with open(path, 'wb') as f:
        f.write({'garbage': b'not a checkpoint' * 10,
                 'truncated': content[:len(content) // 2],
                 'edited': content[:-8] + b'\x01' * 8}[damage])
    builds = []
    monkeypatch.setattr(shapes_clip, '_build',
                        lambda *a: builds.append(1) or _fake_build(*a))
    assert shapes_clip.shapes_clip_file(str(tmp_path)) == path
    assert builds == [1]
    assert torch.load(path, weights_only=True)['x'].sum() == 2
    assert [n for n in os.listdir(tmp_path) if '.damaged-' in n]


def test_an_intact_cache_file_is_not_rebuilt(tmp_path, monkeypatch):
    monkeypatch.setattr(shapes_clip, '_build', _fake_build)
    path = shapes_clip.shapes_clip_file(str(tmp_path))
    monkeypatch.setattr(shapes_clip, '_build', None)  # would fail if called
    assert shapes_clip.shapes_clip_file(str(tmp_path)) == path


def test_an_unwritable_cache_folder_names_the_variable(tmp_path):
    blocker = tmp_path / 'a_file'
    blocker.write_text('')
    with pytest.raises(PermissionError, match='MMPRETRAIN_MLR_CACHE'):
        shapes_clip.shapes_clip_file(str(blocker / 'cache'))


def test_names_resolve_to_their_recipes():
    assert shapes_clip.recipe_path('shapes') == shapes_clip.RECIPE
    scenes = shapes_clip.load_recipe(shapes_clip.recipe_path('shapes-scenes'))
    assert scenes.train_dataloader.dataset.type == 'ShapesScenes'
    # the scenes recipe hashes its own sources: the renderer among them
    assert 'datasets/scene_render.py' in scenes.recipe_sources
    with pytest.raises(KeyError, match='not a CLIP of this project'):
        shapes_clip.recipe_path('shapes-3d')


@pytest.mark.parametrize('name', ['shapes', 'shapes-scenes'])
def test_the_key_covers_every_source_and_the_training_data(name, tmp_path,
                                                           monkeypatch):
    recipe = shapes_clip.load_recipe(shapes_clip.recipe_path(name))
    key = shapes_clip.recipe_key(recipe)
    data = shapes_clip.load_recipe(shapes_clip.recipe_path(name),
                                   {'train_dataloader.dataset.seed': 7})
    assert shapes_clip.recipe_key(data) != key
    sources = recipe.get('recipe_sources', shapes_clip.RECIPE_SOURCES)
    root = tmp_path / 'package'
    for source in sources:  # a copy of the package's sources
        (root / source).parent.mkdir(parents=True, exist_ok=True)
        with open(osp.join(shapes_clip.PACKAGE_ROOT, source), 'rb') as f:
            (root / source).write_bytes(f.read())
    monkeypatch.setattr(shapes_clip, 'PACKAGE_ROOT', str(root))
    assert shapes_clip.recipe_key(recipe) == key
    for source in sources:  # one edited byte in any source changes the key
        content = (root / source).read_bytes()
        (root / source).write_bytes(content + b' ')
        assert shapes_clip.recipe_key(recipe) != key, source
        (root / source).write_bytes(content)
