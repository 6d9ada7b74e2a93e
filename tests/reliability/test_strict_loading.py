"""Checkpoints that do not fit the model, or are damaged, are refused."""
import pytest
import torch
from mmengine.config import Config
from mmpretrain.registry import MODELS

from mmpretrain_mlr.utils import (CorruptCheckpointError,
                                  StateDictMismatchError, check_state_dict,
                                  load_from_local_safe)


def other_model_checkpoint(rel_config, path):
    """Save the weights of the same network with a 3-class head."""
    cfg = Config.fromfile(str(rel_config))
    cfg.model.head.num_classes = 3
    cfg.model.data_preprocessor.num_classes = 3
    model = MODELS.build(cfg.model)
    torch.save({'state_dict': model.state_dict()}, path)
    return model


def test_test_tool_refuses_another_models_checkpoint(rel_config, run_tool,
                                                     tmp_path):
    ckpt = tmp_path / 'three_classes.pth'
    other_model_checkpoint(rel_config, ckpt)
    proc = run_tool('tools/test.py', rel_config, ckpt, '--work-dir',
                    tmp_path / 'test', check=False)
    assert proc.returncode != 0
    assert 'StateDictMismatchError' in proc.stderr
    assert str(ckpt) in proc.stderr
    assert 'head.fc.weight (model (2, 120), checkpoint (3, 120))' in \
        proc.stderr
    assert '--no-strict-load' in proc.stderr


def test_missing_keys_are_reported_unless_expected(rel_config, tmp_path):
    model = other_model_checkpoint(rel_config, tmp_path / 'm.pth')
    state = model.state_dict()
    backbone = {k: v for k, v in state.items() if k.startswith('backbone')}
    with pytest.raises(StateDictMismatchError, match='missing from the '
                       'checkpoint: head.fc.weight, head.fc.bias'):
        check_state_dict(model, backbone, filename='m.pth')
    check_state_dict(model, backbone, allow_missing=[r'^head\.'])
    for param in model.head.parameters():
        param.requires_grad = False
    check_state_dict(model, backbone, allow_missing_frozen=True)
    with pytest.raises(StateDictMismatchError, match='not in the model: x'):
        check_state_dict(model, dict(state, x=torch.zeros(1)))


@pytest.mark.parametrize('damage', ['empty', 'truncated'])
def test_damaged_checkpoint_names_the_file(tmp_path, damage):
    good = tmp_path / 'epoch_1.pth'
    torch.save({'state_dict': {'w': torch.zeros(100)}}, good)
    bad = tmp_path / 'epoch_2.pth'
    data = good.read_bytes()
    bad.write_bytes(b'' if damage == 'empty' else data[:len(data) // 2])
    with pytest.raises(CorruptCheckpointError) as info:
        load_from_local_safe(str(bad))
    assert str(bad) in str(info.value)
    assert f"before it is '{good}'" in str(info.value)


def test_function_payload_names_the_refused_global(tmp_path):
    import os

    from mmpretrain_mlr.utils import UnsafeCheckpointError

    class Payload:

        def __reduce__(self):
            return os.system, ('true', )

    path = tmp_path / 'evil.pth'
    torch.save({'state_dict': {}, 'meta': Payload()}, path)
    with pytest.raises(UnsafeCheckpointError) as info:
        load_from_local_safe(str(path))
    message = str(info.value)
    assert f'{os.name}.system' in message and str(path) in message
    assert 'weights_only' not in message.replace(
        'weights_only=True', '')
