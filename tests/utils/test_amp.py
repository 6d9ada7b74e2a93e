"""Mixed-precision choices: bfloat16 where the device computes in it,
float16 with dynamic loss scaling otherwise."""
import pytest
import torch

from mmpretrain_mlr.utils.amp import (amp_optim_wrapper, autocast_context,
                                      check_amp, default_amp)

SGD = dict(optimizer=dict(type='SGD', lr=0.1))


def test_cpu_trains_in_bfloat16_without_loss_scaling():
    assert default_amp('cpu') == 'bf16'
    wrapper = amp_optim_wrapper(dict(SGD), 'cpu')
    assert wrapper == dict(SGD, type='AmpOptimWrapper', dtype='bfloat16',
                           loss_scale=1.0)


@pytest.mark.parametrize('bf16, dtype, loss_scale', [
    (True, 'bfloat16', 1.0), (False, 'float16', 'dynamic')])
def test_gpu_choice_follows_its_bfloat16_support(monkeypatch, bf16, dtype,
                                                 loss_scale):
    monkeypatch.setattr(torch.cuda, 'is_bf16_supported', lambda: bf16)
    wrapper = amp_optim_wrapper(dict(SGD), 'cuda:0')
    assert (wrapper['dtype'], wrapper['loss_scale']) == (dtype, loss_scale)


def test_the_config_s_own_choices_are_kept():
    wrapper = amp_optim_wrapper(dict(SGD, dtype='float16', loss_scale=512.),
                                'cpu')
    assert (wrapper['dtype'], wrapper['loss_scale']) == ('float16', 512.)


def test_autocast_context_computes_in_the_chosen_type():
    a, b = torch.randn(4, 8), torch.randn(8, 3)
    with autocast_context('bf16', 'cpu'):
        assert (a @ b).dtype == torch.bfloat16
    with autocast_context('none', 'cpu'):
        assert (a @ b).dtype == torch.float32


@pytest.mark.parametrize('amp, device, message', [
    ('fp16', 'cpu', 'bfloat16 only'), ('fp8', 'cpu', 'must be one of')])
def test_impossible_choices_are_clear_errors(amp, device, message):
    with pytest.raises(ValueError, match=message):
        check_amp(amp, device)


@pytest.mark.skipif(not torch.cuda.is_available(), reason='needs CUDA')
def test_mmengine_builds_the_wrapper_on_a_gpu():
    from mmengine.optim import build_optim_wrapper
    model = torch.nn.Linear(2, 2).cuda()
    wrapper = build_optim_wrapper(model, amp_optim_wrapper(dict(SGD), 'cuda'))
    expected = torch.bfloat16 if torch.cuda.is_bf16_supported() \
        else torch.float16
    assert wrapper.cast_dtype == expected
