import argparse
import collections
import io
import os
import pickle

import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.logging.history_buffer import HistoryBuffer
from mmengine.runner import Runner
from mmengine.runner.checkpoint import CheckpointLoader, _load_checkpoint

import mmpretrain_mlr  # noqa: F401  registers the weights-only loader
from mmpretrain_mlr.utils.safe_checkpoint import (UnsafeCheckpointError,
                                                  checkpoint_safe_globals,
                                                  load_from_local_safe,
                                                  restricted_getattr)


class TamperedDict(collections.OrderedDict):
    """Looks like a state dict, but its class is not allowlisted."""


class TrainingNote:
    """A plain user class a checkpoint might carry."""

    def __init__(self, text):
        self.text = text


class GetattrEscape:
    """Pickles as ``getattr(HistoryBuffer, 'register_statistics')``."""

    def __reduce__(self):
        return getattr, (HistoryBuffer, 'register_statistics')


def allowlisted_names():
    """Names under which ``checkpoint_safe_globals`` entries unpickle."""
    return {
        item[1] if isinstance(item, tuple) else
        f'{item.__module__}.{item.__qualname__}'
        for item in checkpoint_safe_globals()
    }


def test_local_paths_use_the_weights_only_loader(tmp_path):
    local = CheckpointLoader._get_checkpoint_loader(str(tmp_path / 'a.pth'))
    remote = CheckpointLoader._get_checkpoint_loader('https://x.org/a.pth')
    assert local is load_from_local_safe
    assert remote is not load_from_local_safe


def unsafe_globals_without_allowlist(path):
    """Globals ``path`` needs beyond torch's defaults (allowlist cleared)."""
    saved = torch.serialization.get_safe_globals()
    torch.serialization.clear_safe_globals()
    try:
        return set(torch.serialization.get_unsafe_globals_in_checkpoint(path))
    finally:
        torch.serialization.add_safe_globals(saved)


def test_runner_checkpoints_need_only_allowlisted_globals(trained):
    checkpoints = sorted(p for p in os.listdir(trained) if p.endswith('.pth'))
    assert len(checkpoints) == 3  # epoch_1, epoch_2, best_*
    for name in checkpoints:
        path = str(trained / name)
        needed = unsafe_globals_without_allowlist(path)
        assert 'mmengine.logging.history_buffer.HistoryBuffer' in needed
        assert needed <= allowlisted_names(), name
        assert torch.serialization.get_unsafe_globals_in_checkpoint(path) == []


def test_runner_checkpoint_loads_with_message_hub(trained):
    ckpt = _load_checkpoint(str(trained / 'epoch_1.pth'), map_location='cpu')
    assert (ckpt['meta']['epoch'], ckpt['meta']['iter']) == (1, 4)
    loss = ckpt['message_hub']['log_scalars']['train/loss']
    assert isinstance(loss, HistoryBuffer)
    values, counts = loss.data
    assert len(values) == 4 and counts.tolist() == [1, 1, 1, 1]
    assert loss.statistics('mean') == pytest.approx(values.mean())
    assert isinstance(ckpt['message_hub']['runtime_info']['eta'], np.float64)
    assert 'backbone.features.0.weight' in ckpt['state_dict']


def test_plain_state_dict_loads(tmp_path):
    state = torch.nn.Linear(3, 2).state_dict()
    torch.save(state, tmp_path / 'plain.pth')
    loaded = _load_checkpoint(str(tmp_path / 'plain.pth'))
    assert loaded.keys() == state.keys()
    for key in state:
        assert torch.equal(loaded[key], state[key])


@pytest.mark.parametrize(
    'payload, refused',
    [(TamperedDict(w=torch.zeros(1)), f'{__name__}.TamperedDict'),
     (argparse.Namespace(lr=0.1), 'argparse.Namespace'),
     (GetattrEscape(), 'builtins.getattr')],
    ids=['dict-subclass', 'namespace', 'getattr-escape'])
def test_tampered_checkpoint_is_refused(tmp_path, payload, refused):
    path = tmp_path / 'tampered.pth'
    torch.save({'state_dict': {}, 'meta': payload}, path)
    with pytest.raises(UnsafeCheckpointError) as info:
        _load_checkpoint(str(path))
    message = str(info.value)
    assert str(path) in message
    assert refused in message
    assert 'torch.serialization.add_safe_globals' in message
    assert isinstance(info.value, pickle.UnpicklingError)


def test_restricted_getattr_allows_only_history_buffer_statistics():
    assert restricted_getattr(HistoryBuffer, 'mean') is HistoryBuffer.mean
    for obj, name in ((HistoryBuffer, '__init__'), (os, 'system'),
                      (HistoryBuffer(), 'mean')):
        with pytest.raises(pickle.UnpicklingError, match='not allowed'):
            restricted_getattr(obj, name)


def test_class_allowlisted_by_the_user_loads(tmp_path):
    path = tmp_path / 'custom.pth'
    torch.save({'meta': TrainingNote('lr halved at epoch 3')}, path)
    with pytest.raises(UnsafeCheckpointError, match='TrainingNote'):
        _load_checkpoint(str(path))
    # The route the error message gives (as a context manager here, so the
    # allowlist is restored afterwards).
    with torch.serialization.safe_globals([TrainingNote]):
        ckpt = _load_checkpoint(str(path))
    assert ckpt['meta'].text == 'lr halved at epoch 3'


def test_numpy_1x_and_2x_module_paths_both_load(tmp_path):
    buffer = io.BytesIO()
    torch.save({'array': np.arange(3.0), 'scalar': np.float64(2.5)}, buffer,
               _use_new_zipfile_serialization=False)  # plain pickle stream
    data = buffer.getvalue()
    written = b'numpy._core' if b'numpy._core.multiarray' in data \
        else b'numpy.core'
    for core in (b'numpy.core', b'numpy._core'):
        path = tmp_path / f'{core.decode()}.pth'
        path.write_bytes(data.replace(written + b'.multiarray',
                                      core + b'.multiarray'))
        ckpt = _load_checkpoint(str(path))
        assert ckpt['array'].tolist() == [0.0, 1.0, 2.0]
        assert ckpt['scalar'] == 2.5


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match='nothing.pth'):
        load_from_local_safe(str(tmp_path / 'nothing.pth'))


def test_runner_load_from_refuses_tampered_checkpoint(tiny_config, tmp_path):
    tampered = tmp_path / 'tampered.pth'
    torch.save({'state_dict': TamperedDict()}, tampered)
    cfg = Config.fromfile(str(tiny_config))
    cfg.work_dir = str(tmp_path / 'work')
    cfg.load_from = str(tampered)
    runner = Runner.from_cfg(cfg)
    with pytest.raises(UnsafeCheckpointError, match='tampered.pth'):
        runner.load_or_resume()


class EvalPayload:
    def __reduce__(self):
        return eval, ("__import__('os').getcwd()", )


class ExecPayload:
    def __reduce__(self):
        return exec, ('x = 1', )


@pytest.mark.parametrize('payload, called',
                         [(EvalPayload(), 'eval'), (ExecPayload(), 'exec')],
                         ids=['eval', 'exec'])
def test_code_running_payload_is_never_offered_the_allowlist(
        tmp_path, payload, called):
    path = tmp_path / f'{called}.pth'
    torch.save({'state_dict': {}, 'meta': payload}, path)
    with pytest.raises(UnsafeCheckpointError) as info:
        _load_checkpoint(str(path))
    message = str(info.value)
    assert str(path) in message and f'`{called}`' in message
    assert 'do not use this file' in message
    # neither our advice nor torch's: no allowlisting, no weights_only
    assert 'add_safe_globals' not in message
    assert 'safe_globals' not in message
    assert 'weights_only=False' not in message


@pytest.mark.parametrize('content', [{'state_dict': {'w': [1.0, 2.0]}},
                                     {'state_dict': EvalPayload()}],
                         ids=['plain-data', 'with-eval'])
def test_plain_pickle_file_is_named_as_such(tmp_path, content):
    path = tmp_path / 'weights.pkl'
    with open(path, 'wb') as f:
        pickle.dump(content, f)
    with pytest.raises(UnsafeCheckpointError) as info:
        _load_checkpoint(str(path))
    message = str(info.value)
    assert str(path) in message
    assert 'plain pickle file' in message
    assert '<unknown' not in message
    assert 'add_safe_globals' not in message


def test_torch_legacy_format_is_not_called_a_plain_pickle(tmp_path):
    path = tmp_path / 'legacy.pth'
    torch.save({'meta': argparse.Namespace(lr=0.1)}, path,
               _use_new_zipfile_serialization=False)
    with pytest.raises(UnsafeCheckpointError) as info:
        _load_checkpoint(str(path))
    assert 'plain pickle' not in str(info.value)
    assert 'argparse.Namespace' in str(info.value)
