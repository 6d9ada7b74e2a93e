"""The random state training draws from, in a weights-only-safe form.

``torch.load(weights_only=True)`` accepts tensors and plain containers of
numbers and strings; numpy's ``get_state()`` tuple (an ``ndarray`` of keys)
and Python's ``random.getstate()`` are converted to those.
"""
import random
from typing import Dict

import numpy as np
import torch


def get_rng_state() -> Dict[str, object]:
    """Capture the Python, numpy (global) and torch generators.

    Returns:
        dict: ``python``, ``numpy``, ``torch`` and, with CUDA, ``cuda``
        entries, each made of tensors, lists, ints, floats and strings.
    """
    version, internal, gauss = random.getstate()
    name, keys, pos, has_gauss, cached = np.random.get_state()
    state = dict(
        python=dict(version=version, internal=list(internal), gauss=gauss),
        numpy=dict(name=str(name), keys=torch.from_numpy(
            keys.astype(np.int64)), pos=int(pos), has_gauss=int(has_gauss),
                   cached_gaussian=float(cached)),
        torch=torch.get_rng_state())
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state['cuda'] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: Dict[str, object]) -> None:
    """Restore generators captured by :func:`get_rng_state`.

    Args:
        state (dict): The captured state; entries it lacks are left alone.
    """
    if 'python' in state:
        py = state['python']
        random.setstate((py['version'], tuple(py['internal']), py['gauss']))
    if 'numpy' in state:
        npy = state['numpy']
        keys = np.asarray(npy['keys'], dtype=np.int64).astype(np.uint32)
        np.random.set_state((npy['name'], keys, npy['pos'],
                             npy['has_gauss'], npy['cached_gaussian']))
    if 'torch' in state:
        torch.set_rng_state(state['torch'])
    if 'cuda' in state and torch.cuda.is_available():
        cuda = state['cuda']
        if len(cuda) == torch.cuda.device_count():
            torch.cuda.set_rng_state_all(cuda)
