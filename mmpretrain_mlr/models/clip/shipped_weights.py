"""Weights this project ships for its own CLIPs: small, checked, exact.

``tools/model_converters/ship_project_clip.py`` writes them. A shipped file
holds an open_clip state dict (float16, or the build's float32 bits; the
record says which) with only the rows of the token embedding that the
project's captions and prompts use (the others are zero: a tiny CLIP
knows no other word). Beside it,
``<name>.json`` records its SHA-256 and the key of the recipe that built
it. On use the file is checked and expanded once into the cache as a plain
float32 open_clip state dict; every machine then runs on the same bits.
"""
import json
import os.path as osp

import torch
from mmengine.logging import print_log

from ...utils.atomic_file import write_atomically

TOKEN_EMBEDDING = 'token_embedding.weight'


def unpack_shipped(shipped: str, cache_folder: str,
                   recipe_key: str) -> str:
    """Check shipped weights and expand them into the cache once.

    Args:
        shipped (str): ``<name>.pth`` with ``<name>.json`` beside it.
        cache_folder (str): Where the expanded state dict is kept.
        recipe_key (str): Key of the current recipe of ``name``; a
            different recorded key is reported (the weights stay the
            shipped ones).

    Returns:
        str: The expanded float32 open_clip state dict.
    """
    from .shapes_clip import (_cache_folder, _exclusive_lock,
                              _usable_cache_file, file_sha256)
    record_file = shipped[:-len('.pth')] + '.json'
    if not osp.isfile(record_file):
        raise FileNotFoundError(
            f'{record_file} is missing: the shipped weights {shipped} '
            'cannot be checked; reinstall the package')
    with open(record_file) as f:
        record = json.load(f)
    digest = file_sha256(shipped)
    if digest != record['sha256']:
        raise RuntimeError(
            f'{shipped} is damaged: its SHA-256 {digest} differs from '
            f"{record['sha256']} in {record_file}; reinstall the package, "
            'or build the weights from their recipe with '
            '`python -m mmpretrain_mlr.models.clip.shapes_clip NAME '
            '--rebuild`')
    if record['recipe_key'] != recipe_key:
        print_log(
            f"{shipped} was built by an earlier recipe (key "
            f"{record['recipe_key']}, now {recipe_key}); the shipped "
            'weights are used, as for the published figures. Build the '
            'current recipe with `python -m mmpretrain_mlr.models.clip.'
            'shapes_clip NAME --rebuild`.', logger='current', level=30)
    name = osp.basename(shipped)[:-len('.pth')]
    path = osp.join(_cache_folder(cache_folder),
                    f'{name}-shipped-{digest[:16]}.pth')
    with _exclusive_lock(path + '.lock'):
        if _usable_cache_file(path):
            return path
        packed = torch.load(shipped, map_location='cpu', weights_only=True)
        state = {k: v.float() if v.is_floating_point() else v
                 for k, v in packed.items()
                 if not k.startswith(TOKEN_EMBEDDING)}
        embedding = torch.zeros(
            packed[TOKEN_EMBEDDING + '.shape'].tolist())  # [V, D]
        embedding[packed[TOKEN_EMBEDDING + '.rows']] = packed[
            TOKEN_EMBEDDING + '.values'].float()
        state[TOKEN_EMBEDDING] = embedding
        write_atomically(path, lambda f: torch.save(state, f))
        expanded = file_sha256(path)
        write_atomically(path + '.sha256',
                         lambda f: f.write(expanded.encode()))
    return path
