"""What a cached feature depends on, hashed into the name of its folder.

A key covers everything that changes the frozen part's output: the
frozen weights' content, the encoder and where it is cut (``depth``), the
code that computes it (the source of the encoder's and the normaliser's
classes in this package, open_clip's version) and the store's format, the
model's input normalisation, the image transforms (their parameters), the
view (test view, or augmented view v of K with its seed), the images (the
dataset's image list) and the input size, and the stored dtype. Labels are
not part of it: two runs that differ only in their known-label ratio share
one cache.
"""
import hashlib
import inspect
import json
from typing import Iterable, List, Optional

import numpy as np
import torch

#: data-info fields that are labels, not the image
LABEL_FIELDS = ('label', 'score', 'sample_idx')
#: the layout of a store's files; a change of it gives every cache a new key
FORMAT_VERSION = 1


def tensors_digest(named_tensors: Iterable) -> str:
    """SHA-256 of ``(name, tensor)`` pairs: names, dtypes, shapes and
    bytes, in name order."""
    digest = hashlib.sha256()
    for name, tensor in sorted(named_tensors, key=lambda item: item[0]):
        tensor = tensor.detach().cpu().contiguous().reshape(-1)
        digest.update(f'{name}:{tensor.dtype}:{tuple(tensor.shape)}'.encode())
        digest.update(tensor.view(torch.uint8).numpy().tobytes()
                      if tensor.numel() else b'')
    return digest.hexdigest()


def code_digest(*objects) -> str:
    """SHA-256 of the source files that define the classes of ``objects``
    and their base classes within this package (``mmpretrain_mlr``), and
    of open_clip's version: an edit of the code that computes a cached
    feature gives it a new key."""
    import open_clip
    files = set()
    for obj in objects:
        for cls in inspect.getmro(type(obj)):
            if cls.__module__.split('.')[0] == 'mmpretrain_mlr':
                files.add(inspect.getsourcefile(cls))
    digest = hashlib.sha256(f'open_clip {open_clip.__version__}'.encode())
    for path in sorted(files):
        with open(path, 'rb') as f:
            digest.update(b'\0' + f.read())
    return digest.hexdigest()


def _plain(value):
    """JSON-able form of a data-info value."""
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def image_identity(data_info: dict) -> object:
    """What names a sample's image: its path when it has one (files on
    disk), else every field that is not a label (generated images: their
    recipe)."""
    if 'img_path' in data_info:
        return data_info['img_path']
    return {k: _plain(v) for k, v in sorted(data_info.items())
            if not any(word in k for word in LABEL_FIELDS)}


def images_digest(dataset) -> str:
    """SHA-256 of the dataset's images, in order (:func:`image_identity`
    of every sample)."""
    digest = hashlib.sha256()
    for idx in range(len(dataset)):
        identity = image_identity(dataset.get_data_info(idx))
        digest.update(json.dumps(identity, sort_keys=True,
                                 default=repr).encode() + b'\n')
    return digest.hexdigest()


def transform_description(transform) -> str:
    """A transform with its parameters (its repr, or its class and fields
    when the repr is the default one, which holds an address)."""
    text = repr(transform)
    if ' at 0x' in text:
        fields = {k: repr(v) for k, v in sorted(vars(transform).items())}
        text = f'{type(transform).__name__}({fields})'
    return text


def preprocessor_description(preprocessor) -> dict:
    """The model's input normalisation: class, mean, std, channel order."""
    description = dict(type=type(preprocessor).__name__)
    for name in ('mean', 'std'):
        value = getattr(preprocessor, name, None)
        if isinstance(value, torch.Tensor):
            description[name] = value.flatten().tolist()
    for name in ('_channel_conversion', '_enable_normalize', 'pad_value'):
        if hasattr(preprocessor, name):
            description[name] = repr(getattr(preprocessor, name))
    return description


def cache_key(description: dict) -> str:
    """The folder name of a description: 20 hex digits of its SHA-256."""
    text = json.dumps(description, sort_keys=True, default=repr)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def describe(*, encoder: str, depth: Optional[int], weights: str,
             code: str, preprocessor: dict, transforms: List[str],
             view: dict, images: str, input_shape: List[int],
             dtype: str) -> dict:
    """The description hashed by :func:`cache_key` (also stored in the
    cache's manifest, so a folder says what it holds)."""
    return dict(format=FORMAT_VERSION, encoder=encoder, depth=depth,
                weights=weights, code=code, preprocessor=preprocessor,
                transforms=transforms, view=view, images=images,
                input_shape=list(input_shape), dtype=dtype)
