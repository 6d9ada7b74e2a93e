"""Checkpoints without the frozen pretrained weights a model rebuilds.

A DualCoOp model on CLIP RN101 trains 1.3 M prompt values next to 119.7 M
frozen CLIP weights; saving the frozen ones in every checkpoint costs
about 457 MiB a file. A model that rebuilds frozen weights from a source
when it is built (``CLIPPromptClassifier`` from ``clip.pretrained``) says
which state-dict keys those are (:meth:`frozen_pretrained_state`); a
checkpoint then leaves them out and records, in ``meta['frozen_weights']``,

- ``source``: where they come from (the model's ``clip`` arguments:
  open_clip model name or ``arch``, ``pretrained`` tag or path),
- ``keys``: the keys left out,
- ``sha256``: a content hash of those tensors (names, dtypes, shapes and
  bytes).

Loading (:func:`restore_frozen_weights`) checks that the model, as built,
holds frozen weights with the recorded hash and puts them back into the
checkpoint's state dict, so strict loading sees a complete checkpoint;
different weights are a :class:`FrozenWeightsMismatchError`.
"""
import hashlib
from typing import Dict, List, Optional, Tuple

import torch
import torch.nn as nn
from mmpretrain.utils import get_ori_model

from .state_dict_check import strip_prefixes

META_KEY = 'frozen_weights'


class FrozenWeightsMismatchError(RuntimeError):
    """The frozen weights of a model differ from those a checkpoint that
    left them out was trained with."""


def frozen_state_keys(model: nn.Module) -> List[str]:
    """State-dict keys of ``model`` that training does not change.

    Parameters with ``requires_grad=False``, and the persistent buffers
    (e.g. batch-norm statistics) of modules in eval mode whose own
    parameters are all frozen.

    Args:
        model (nn.Module): The model.

    Returns:
        list[str]: The keys, in state-dict order.
    """
    keys = [name for name, param in
            model.named_parameters(remove_duplicate=False)
            if not param.requires_grad]
    for prefix, module in model.named_modules(remove_duplicate=False):
        params = list(module.parameters(recurse=False))
        if module.training or not params or \
                any(p.requires_grad for p in params):
            continue
        keys += [f'{prefix}.{name}' if prefix else name
                 for name, buf in module.named_buffers(recurse=False)
                 if buf is not None and
                 name not in module._non_persistent_buffers_set]
    order = {key: i for i, key in enumerate(model.state_dict(keep_vars=True))}
    return sorted({k for k in keys if k in order}, key=order.get)


def tensors_hash(tensors: Dict[str, torch.Tensor]) -> str:
    """SHA-256 over the names, dtypes, shapes and bytes of ``tensors``.

    Args:
        tensors (dict[str, Tensor]): Tensors by state-dict key.

    Returns:
        str: The hex digest; independent of the dict's order and device.
    """
    digest = hashlib.sha256()
    for key in sorted(tensors):
        tensor = tensors[key].detach().cpu().contiguous()
        digest.update(f'{key}|{tensor.dtype}|{tuple(tensor.shape)}|'.encode())
        digest.update(tensor.reshape(-1).view(torch.uint8).numpy().tobytes())
    return digest.hexdigest()


def _unwrapped(model: nn.Module) -> nn.Module:
    return get_ori_model(model)


def _rebuilt_state(model: nn.Module) -> Optional[Tuple[dict, List[str]]]:
    """``(source, keys)`` from the model, or None when it has none."""
    method = getattr(_unwrapped(model), 'frozen_pretrained_state', None)
    state = method() if callable(method) else None
    return state if state and state[1] else None


def leave_out_frozen_weights(model: nn.Module, checkpoint: dict) -> int:
    """Remove the weights ``model`` rebuilds from ``checkpoint['state_dict']``
    and record them in ``checkpoint['meta']['frozen_weights']``; in place.

    Args:
        model (nn.Module): The model saved (wrapped or not).
        checkpoint (dict): A checkpoint as ``Runner.save_checkpoint`` makes
            it, before it is written.

    Returns:
        int: The number of tensors left out (0 when the model rebuilds
        none, e.g. a random initialisation, which is saved).
    """
    rebuilt = _rebuilt_state(model)
    if rebuilt is None:
        return 0
    source, keys = rebuilt
    state_dict = checkpoint['state_dict']
    keys = [k for k in keys if k in state_dict]
    checkpoint.setdefault('meta', {})[META_KEY] = dict(
        source=source, keys=keys,
        sha256=tensors_hash({k: state_dict[k] for k in keys}))
    for key in keys:
        del state_dict[key]
    return len(keys)


def restore_frozen_weights(model: nn.Module, checkpoint: dict,
                           filename: Optional[str] = None) -> int:
    """Put the frozen weights a checkpoint left out back, from ``model``.

    Does nothing for a checkpoint that left nothing out.

    Args:
        model (nn.Module): The model about to load ``checkpoint``, built
            (so holding its rebuilt frozen weights).
        checkpoint (dict): The loaded checkpoint; its state dict gains the
            left-out keys (with ``module.`` prefixes if it has them).
        filename (str, optional): The checkpoint's file, for messages.

    Returns:
        int: The number of tensors put back.

    Raises:
        FrozenWeightsMismatchError: If ``model`` lacks a left-out key or its
            frozen weights hash differently from the recorded ones.
    """
    record = (checkpoint.get('meta') or {}).get(META_KEY)
    if not record or not record.get('keys'):
        return 0
    state_dict = checkpoint.get('state_dict', checkpoint)
    prefix = 'module.' if state_dict and all(
        k.startswith('module.') for k in state_dict) else ''
    model_state = _unwrapped(model).state_dict()
    source = f'Checkpoint {filename!r}' if filename else 'The checkpoint'
    current = _rebuilt_state(model)
    built_from = current[0] if current else getattr(
        _unwrapped(model), 'clip_source', 'weights the model does not rebuild')
    missing = [k for k in record['keys'] if k not in model_state]
    if missing:
        raise FrozenWeightsMismatchError(
            f'{source} left out {len(record["keys"])} frozen tensors, to be '
            f'rebuilt from {record["source"]}, but the model '
            f'({type(_unwrapped(model)).__name__}) has no {missing[:5]}'
            f'{" ..." if len(missing) > 5 else ""}: it is another model.')
    tensors = {k: model_state[k] for k in record['keys']}
    digest = tensors_hash(tensors)
    if digest != record['sha256']:
        raise FrozenWeightsMismatchError(
            f'{source} left out {len(tensors)} frozen tensors, trained with '
            f'those of {record["source"]} (sha256 {record["sha256"]}), but '
            f'the model holds other ones (sha256 {digest}, built from '
            f'{built_from}). Build the model with the weights the checkpoint '
            'was trained with (model.clip.pretrained), or use a checkpoint '
            'saved with them (default_hooks.frozen_weights.save_frozen=True).')
    for key, tensor in tensors.items():
        state_dict[prefix + key] = tensor
    return len(tensors)


def load_checkpoint(model: nn.Module, filename: str,
                    map_location='cpu') -> dict:
    """Load a checkpoint into ``model`` for inference: weights-only,
    frozen weights restored (:func:`restore_frozen_weights`), every key
    checked (:func:`~mmpretrain_mlr.utils.check_state_dict`).

    Args:
        model (nn.Module): The built model.
        filename (str): Checkpoint file or URL.
        map_location: As in ``torch.load``. Defaults to 'cpu'.

    Returns:
        dict: The checkpoint.
    """
    from mmengine.runner.checkpoint import (_load_checkpoint,
                                            _load_checkpoint_to_model)

    from .state_dict_check import check_state_dict
    checkpoint = _load_checkpoint(filename, map_location=map_location)
    restore_frozen_weights(model, checkpoint, filename)
    check_state_dict(_unwrapped(model),
                     strip_prefixes(checkpoint.get('state_dict', checkpoint)),
                     filename)
    _load_checkpoint_to_model(_unwrapped(model), checkpoint)
    return checkpoint
