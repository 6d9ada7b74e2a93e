"""Checkpoints carry a digest of their tensors, checked on every load: a
file whose bytes changed after it was written is refused, naming it; a
checkpoint without a digest loads with a warning."""
import hashlib
import shutil
import struct
import zipfile

import pytest
import torch
from mmengine.config import Config
from mmengine.runner import Runner
from mmengine.runner.checkpoint import _load_checkpoint

import mmpretrain_mlr  # noqa: F401  registers the checking loader
from mmpretrain_mlr.utils import safe_checkpoint
from mmpretrain_mlr.utils.safe_checkpoint import (ChecksumMismatchError,
                                                  CorruptCheckpointError)


def sha256_16(tensor):
    """The digest rule, written again: sha256 of dtype, shape, raw bytes."""
    t = tensor.detach().cpu().contiguous()
    h = hashlib.sha256(f'{t.dtype}{tuple(t.shape)}'.encode())
    h.update(bytes(t.reshape(-1).view(torch.uint8).tolist()))
    return h.hexdigest()[:16]


def flip_bytes_in_largest_tensor(path, count=64):
    """Flip ``count`` bytes in the middle of the largest tensor record of
    a torch.save archive (stored, not compressed: the zip still reads)."""
    with zipfile.ZipFile(path) as archive:
        info = max((i for i in archive.infolist() if '/data/' in i.filename),
                   key=lambda i: i.file_size)
    with open(path, 'r+b') as f:
        f.seek(info.header_offset)
        header = f.read(30)
        name_len, extra_len = struct.unpack('<HH', header[26:30])
        start = info.header_offset + 30 + name_len + extra_len
        middle = start + info.file_size // 2 - count // 2
        f.seek(middle)
        data = bytearray(f.read(count))
        f.seek(middle)
        f.write(bytes(b ^ 0xFF for b in data))


@pytest.fixture
def checkpoint(trained, tmp_path):
    """A copy of a checkpoint tools/train.py wrote."""
    path = tmp_path / 'epoch_2.pth'
    shutil.copy(trained / 'epoch_2.pth', path)
    return path


def test_written_checkpoints_carry_the_digest_of_every_tensor(checkpoint):
    raw = torch.load(checkpoint, weights_only=False)
    record = raw['meta']['tensor_digest']
    state = raw['state_dict']
    assert state  # LeNet5 weights
    for key, tensor in state.items():
        assert record['tensors'][f'state_dict/{key}'] == sha256_16(tensor)
    # the optimizer's momentum buffers are covered as well
    momentum = [k for k in record['tensors'] if k.startswith('optimizer/')]
    assert momentum


def test_flipped_bytes_are_refused_naming_the_file(checkpoint):
    _load_checkpoint(str(checkpoint))  # loads before the damage
    flip_bytes_in_largest_tensor(checkpoint)
    # torch itself reads the damaged file without a complaint
    torch.load(checkpoint, weights_only=False)
    with pytest.raises(ChecksumMismatchError) as err:
        _load_checkpoint(str(checkpoint))
    assert str(checkpoint) in str(err.value)
    assert '1 tensor(s) changed' in str(err.value)
    assert isinstance(err.value, CorruptCheckpointError)


def test_edited_tensor_is_refused_naming_it(checkpoint, tmp_path):
    raw = torch.load(checkpoint, weights_only=False)
    key = next(iter(raw['state_dict']))
    raw['state_dict'][key] = raw['state_dict'][key] + 1
    edited = tmp_path / 'edited.pth'
    torch.save(raw, edited)
    with pytest.raises(ChecksumMismatchError, match=f'edited.pth.*{key}'):
        _load_checkpoint(str(edited))


def test_load_from_and_resume_refuse_a_damaged_checkpoint(
        tiny_config, checkpoint, tmp_path):
    flip_bytes_in_largest_tensor(checkpoint)
    for resume in (False, True):
        cfg = Config.fromfile(str(tiny_config))
        cfg.work_dir = str(tmp_path / f'work_{resume}')
        cfg.load_from, cfg.resume = str(checkpoint), resume
        runner = Runner.from_cfg(cfg)
        with pytest.raises(ChecksumMismatchError, match='epoch_2.pth'):
            runner.load_or_resume()


def test_tools_test_refuses_a_damaged_checkpoint(tiny_config, checkpoint,
                                                 tmp_path, run_tool):
    flip_bytes_in_largest_tensor(checkpoint)
    out = run_tool('tools/test.py', tiny_config, checkpoint, '--work-dir',
                   tmp_path / 'test', check=False)
    assert out.returncode != 0
    text = out.stdout + out.stderr
    assert 'does not match the content digest' in text
    assert str(checkpoint) in text


def test_checkpoint_without_digest_loads_with_a_warning(
        checkpoint, tmp_path, monkeypatch):
    raw = torch.load(checkpoint, weights_only=False)
    del raw['meta']['tensor_digest']
    old = tmp_path / 'old.pth'
    torch.save(raw, old)
    said = []
    monkeypatch.setattr(safe_checkpoint, 'print_log',
                        lambda msg, **kwargs: said.append((msg, kwargs)))
    loaded = _load_checkpoint(str(old))
    assert torch.equal(next(iter(loaded['state_dict'].values())),
                       next(iter(raw['state_dict'].values())))
    assert len(said) == 1
    message, kwargs = said[0]
    assert 'old.pth' in message and 'no content digest' in message
    assert kwargs['level'] == 30  # logging.WARNING


def test_inference_loader_refuses_a_damaged_checkpoint(tiny_config,
                                                       checkpoint):
    # the loader MultiLabelInferencer uses for its checkpoint
    from mmpretrain.registry import MODELS

    from mmpretrain_mlr.utils.frozen_weights import load_checkpoint
    model = MODELS.build(Config.fromfile(str(tiny_config)).model)
    load_checkpoint(model, str(checkpoint))
    flip_bytes_in_largest_tensor(checkpoint)
    with pytest.raises(ChecksumMismatchError, match='epoch_2.pth'):
        load_checkpoint(model, str(checkpoint))
