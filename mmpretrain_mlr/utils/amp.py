"""Mixed precision: which half-precision type a device trains in, and the
mmengine ``AmpOptimWrapper`` settings and autocast context that use it.

bfloat16 keeps float32's exponent range, so it needs no loss scaling; it
is chosen wherever the device computes in it (CPUs, CUDA GPUs from Ampere
on). Older GPUs get float16 with mmengine's dynamic loss scaling.
"""
from contextlib import nullcontext

import torch

#: what ``--amp`` accepts: no autocast, or autocast to one of these types
AMP_CHOICES = ('none', 'fp16', 'bf16')
_DTYPE_NAMES = dict(fp16='float16', bf16='bfloat16')


def device_type(device) -> str:
    """``'cuda'`` for ``'cuda'``, ``'cuda:1'`` or a CUDA ``torch.device``;
    ``'cpu'`` likewise."""
    return torch.device(device).type


def supports_bf16(device) -> bool:
    """Whether ``device`` computes in bfloat16 (every CPU; a CUDA GPU of
    compute capability 8.0 or higher)."""
    kind = device_type(device)
    if kind == 'cpu':
        return True
    if kind == 'cuda':
        return torch.cuda.is_bf16_supported()
    return False


def default_amp(device) -> str:
    """``'bf16'`` where ``device`` supports it, else ``'fp16'``."""
    return 'bf16' if supports_bf16(device) else 'fp16'


def check_amp(amp: str, device) -> None:
    """Raise a ValueError naming the problem when ``amp`` cannot run on
    ``device`` (an unknown choice, bfloat16 on a GPU without it, float16
    on a CPU, where mmengine's autocast takes bfloat16 only)."""
    if amp not in AMP_CHOICES:
        raise ValueError(f'--amp must be one of {AMP_CHOICES}, got {amp!r}')
    kind = device_type(device)
    if amp == 'bf16' and not supports_bf16(device):
        raise ValueError(f'--amp bf16: device {device!r} does not compute '
                         'in bfloat16; use --amp fp16')
    if amp == 'fp16' and kind == 'cpu':
        raise ValueError('--amp fp16: autocast on a CPU takes bfloat16 only '
                         '(mmengine.runner.autocast); use --amp bf16')


def amp_optim_wrapper(optim_wrapper: dict, device) -> dict:
    """Turn an ``optim_wrapper`` config into mmengine's ``AmpOptimWrapper``
    in the device's half-precision type, in place.

    ``dtype`` becomes ``'bfloat16'`` where the device supports it, else
    ``'float16'``; float16 gets ``loss_scale='dynamic'``, bfloat16 a static
    scale of 1 (no scaling). Values the config sets itself are kept.

    Args:
        optim_wrapper (dict): the config's ``optim_wrapper``.
        device: where training runs (``'cuda'``, ``torch.device``, ...).

    Returns:
        dict: ``optim_wrapper``, updated.
    """
    amp = default_amp(device)
    optim_wrapper['type'] = 'AmpOptimWrapper'
    optim_wrapper.setdefault('dtype', _DTYPE_NAMES[amp])
    optim_wrapper.setdefault('loss_scale',
                             'dynamic' if amp == 'fp16' else 1.0)
    return optim_wrapper


def autocast_context(amp: str, device):
    """The autocast ``AmpOptimWrapper.optim_context`` enters (mmengine's
    :func:`~mmengine.runner.autocast`) for ``amp`` on ``device``, or a
    no-op context for ``'none'``."""
    check_amp(amp, device)
    if amp == 'none':
        return nullcontext()
    from mmengine.runner import autocast
    return autocast(device_type=device_type(device),
                    dtype=getattr(torch, _DTYPE_NAMES[amp]))
