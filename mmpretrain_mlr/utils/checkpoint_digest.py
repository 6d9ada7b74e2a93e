"""Content digests of the tensors in a checkpoint.

``torch.save`` archives carry no checksum that ``torch.load`` checks: a
checkpoint with bytes flipped inside a tensor (a bad disk, an interrupted
copy, an edit) loads and runs with the wrong weights. A checkpoint written
by :class:`~mmpretrain_mlr.engine.hooks.SafeCheckpointHook` records a digest
of every tensor in ``meta['tensor_digest']``;
:func:`~mmpretrain_mlr.utils.safe_checkpoint.load_from_local_safe` (every
mmengine load of a local file: ``load_from``, ``--resume``,
``tools/test.py``, the inferencer) recomputes and compares them.
"""
import hashlib
from typing import Dict, Iterator, List, Optional, Tuple

import torch

DIGEST_KEY = 'tensor_digest'
ALGORITHM = 'sha256/tensor'  # sha256 of dtype, shape and bytes; 16 hex


class ChecksumMismatchError(RuntimeError):
    """A checkpoint's tensors differ from the digest written with them."""


def _tensors(obj, path: Tuple[str, ...] = ()
             ) -> Iterator[Tuple[Tuple[str, ...], torch.Tensor]]:
    """Every tensor in nested dicts / lists / tuples, with its key path."""
    if isinstance(obj, torch.Tensor):
        yield path, obj
    elif isinstance(obj, dict):
        for key, value in obj.items():
            if path == ('meta', ) and key == DIGEST_KEY:
                continue
            yield from _tensors(value, path + (str(key), ))
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            yield from _tensors(value, path + (str(i), ))


def tensor_digest(tensor: torch.Tensor) -> str:
    """16 hex digits of sha256 over a tensor's dtype, shape and bytes."""
    tensor = tensor.detach()
    if tensor.layout != torch.strided:
        tensor = tensor.to_dense()
    tensor = tensor.cpu().contiguous()
    h = hashlib.sha256(f'{tensor.dtype}{tuple(tensor.shape)}'.encode())
    if tensor.numel():
        h.update(tensor.reshape(-1).view(torch.uint8).numpy().data)
    return h.hexdigest()[:16]


def checkpoint_digests(checkpoint: dict) -> Dict[str, str]:
    """``{'state_dict/head.weight': digest, ...}`` for every tensor of a
    checkpoint (``meta['tensor_digest']`` itself left out)."""
    return {'/'.join(path): tensor_digest(tensor)
            for path, tensor in _tensors(checkpoint)}


def add_digest(checkpoint: dict) -> None:
    """Record the digests of ``checkpoint``'s tensors in its meta, in
    place (call it last, just before the checkpoint is written)."""
    meta = checkpoint.setdefault('meta', {})
    meta[DIGEST_KEY] = dict(algorithm=ALGORITHM,
                            tensors=checkpoint_digests(checkpoint))


def digest_problem(checkpoint) -> Optional[str]:
    """Compare a loaded checkpoint with the digest written with it.

    Args:
        checkpoint: What ``torch.load`` returned.

    Returns:
        str | None: None when the tensors match the digest; ``'no
        digest'`` for a checkpoint written without one (older versions,
        other tools); otherwise what differs, for an error message.
    """
    meta = checkpoint.get('meta') if isinstance(checkpoint, dict) else None
    record = meta.get(DIGEST_KEY) if isinstance(meta, dict) else None
    if record is None:
        return 'no digest'
    if not isinstance(record, dict) or record.get('algorithm') != ALGORITHM \
            or not isinstance(record.get('tensors'), dict):
        return (f"meta['{DIGEST_KEY}'] is not a digest this version writes "
                f"(expected algorithm {ALGORITHM!r})")
    expected, found = record['tensors'], checkpoint_digests(checkpoint)
    changed = [k for k in expected if k in found and found[k] != expected[k]]
    missing = [k for k in expected if k not in found]
    added = [k for k in found if k not in expected]
    if not (changed or missing or added):
        return None
    parts: List[str] = []
    for what, keys in (('changed', changed), ('missing', missing),
                       ('not in the digest', added)):
        if keys:
            parts.append(f'{len(keys)} tensor(s) {what}, e.g. {keys[0]!r}')
    return '; '.join(parts)
