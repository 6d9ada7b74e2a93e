"""open_clip's ``local-dir:`` and ``hf-hub:`` model names through the
factory, offline, from tiny model folders written here."""
import json

import huggingface_hub.constants
import open_clip
import pytest
import torch

from mmpretrain_mlr.models.clip import build_open_clip
from mmpretrain_mlr.models.clip.factory import has_pretrained_weights

from tests.models.conftest import RN_ARCH

COMMIT = '0123456789abcdef0123456789abcdef01234567'


def write_model_folder(folder, seed=0):
    """A downloaded open_clip model: config with ``model_cfg`` + weights.

    Returns:
        dict: the state dict written.
    """
    folder.mkdir(parents=True)
    torch.manual_seed(seed)
    state = open_clip.CLIP(**RN_ARCH).state_dict()
    (folder / 'open_clip_config.json').write_text(
        json.dumps(dict(model_cfg=RN_ARCH)))
    torch.save(state, folder / 'open_clip_pytorch_model.bin')
    return state


def assert_same_weights(model, state):
    got = model.state_dict()
    assert sorted(got) == sorted(state)
    assert all(torch.equal(got[k], state[k]) for k in state)


def test_local_dir_loads_the_folder(tmp_path):
    state = write_model_folder(tmp_path / 'tiny-rn')
    model, tokenizer = build_open_clip(
        model_name=f'local-dir:{tmp_path / "tiny-rn"}')
    assert_same_weights(model, state)
    assert tokenizer(['a red circle']).shape == (1, 77)
    assert has_pretrained_weights(
        dict(model_name=f'local-dir:{tmp_path}'))
    assert not has_pretrained_weights(dict(arch=RN_ARCH))


def test_hf_hub_reads_the_hub_cache_offline(tmp_path, monkeypatch):
    # the Hub cache layout: refs/main names a snapshot holding the files
    repo = tmp_path / 'hub' / 'models--tiny-org--tiny-rn'
    state = write_model_folder(repo / 'snapshots' / COMMIT)
    (repo / 'refs').mkdir()
    (repo / 'refs' / 'main').write_text(COMMIT)
    monkeypatch.setattr(huggingface_hub.constants, 'HF_HUB_OFFLINE', True)
    model, _ = build_open_clip(model_name='hf-hub:tiny-org/tiny-rn',
                               cache_dir=str(tmp_path / 'hub'))
    assert_same_weights(model, state)


def test_local_dir_errors_name_the_folder_and_what_is_missing(tmp_path):
    with pytest.raises(FileNotFoundError, match='open_clip_config.json'):
        build_open_clip(model_name=f'local-dir:{tmp_path}')
    (tmp_path / 'open_clip_config.json').write_text(
        json.dumps(dict(model_cfg=RN_ARCH)))
    with pytest.raises(FileNotFoundError, match='no weights file'):
        build_open_clip(model_name=f'local-dir:{tmp_path}')


def test_pretrained_next_to_a_folder_is_refused(tmp_path):
    write_model_folder(tmp_path / 'm')
    with pytest.raises(ValueError, match='leave pretrained unset'):
        build_open_clip(model_name=f'local-dir:{tmp_path / "m"}',
                        pretrained='openai')
