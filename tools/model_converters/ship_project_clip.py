"""Write a built open_clip state dict as the weights the package ships for
one of its CLIPs (``mmpretrain_mlr/models/clip/weights/<name>.pth`` and
``<name>.json``), with only the token-embedding rows of the project's
words, in float16 or (``--dtype float32``) the build's exact bits:

    python -m mmpretrain_mlr.models.clip.shapes_clip shapes-scenes --rebuild
    python tools/model_converters/ship_project_clip.py shapes-scenes \
        ~/.cache/mmpretrain_mlr/scenes_clip-<key>.pth
    python tools/model_converters/ship_project_clip.py shapes \
        ~/.cache/mmpretrain_mlr/shapes_clip-<key>.pth --dtype float32
"""
import argparse
import json
import os.path as osp
import sys
from typing import Iterable, List

import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))
from mmpretrain_mlr.models.clip import shapes_clip  # noqa: E402
from mmpretrain_mlr.models.clip.shipped_weights import \
    TOKEN_EMBEDDING  # noqa: E402
from mmpretrain_mlr.utils.atomic_file import write_atomically  # noqa: E402


def project_corpus() -> List[str]:
    """Every caption word and prompt of the project's CLIPs: class and
    distractor names (singular and plural), count words, caption templates
    and the demos' prompt templates."""
    from mmpretrain_mlr.datasets.scene_world import (
        DISTRACTOR_COLOURS_BGR, DISTRACTOR_SHAPE, SCENE_COLOURS_BGR,
        SCENE_SHAPES)
    from mmpretrain_mlr.datasets.shapes_captions import (CAPTION_TEMPLATES,
                                                         COUNT_WORDS)
    colours = list(SCENE_COLOURS_BGR) + list(DISTRACTOR_COLOURS_BGR)
    shapes = list(SCENE_SHAPES) + [DISTRACTOR_SHAPE]
    names = [f'{c} {s}' for c in colours for s in shapes]
    texts = names + [n + 's' for n in names] + list(COUNT_WORDS)
    texts += [t.format('a red circle, two blue stars and a white bar')
              for t in CAPTION_TEMPLATES]
    texts += ['a photo of a {}.', 'There is a {} in the scene.', 'X X X']
    return texts


def used_token_ids(texts: Iterable[str]) -> torch.Tensor:
    """Sorted ids of every token of ``texts`` (start and end included)."""
    import open_clip
    tokens = open_clip.SimpleTokenizer()(list(texts))  # [T, 77]
    return torch.unique(tokens[tokens > 0])


def pack_shipped(state_file: str, out_file: str, recipe_key: str,
                 dtype: str = 'float16') -> str:
    """Write a built open_clip state dict as shipped weights.

    Args:
        state_file (str): The build's open_clip state dict.
        out_file (str): ``<SHIPPED_DIR>/<name>.pth``; the record goes to
            ``<name>.json``.
        recipe_key (str): Key of the recipe that built ``state_file``.
        dtype (str): 'float16' (half the size) or 'float32' (the build's
            bits, unchanged). Defaults to 'float16'.

    Returns:
        str: The SHA-256 of the written file.
    """
    state = torch.load(state_file, map_location='cpu', weights_only=True)
    ids = used_token_ids(project_corpus())
    floats = getattr(torch, dtype)
    packed = {k: v.to(floats) if v.is_floating_point() else v
              for k, v in state.items() if k != TOKEN_EMBEDDING}
    embedding = state[TOKEN_EMBEDDING]  # [V, D]
    packed[TOKEN_EMBEDDING + '.rows'] = ids
    packed[TOKEN_EMBEDDING + '.values'] = embedding[ids].to(floats)
    packed[TOKEN_EMBEDDING + '.shape'] = torch.tensor(embedding.shape)
    write_atomically(out_file, lambda f: torch.save(packed, f))
    digest = shapes_clip.file_sha256(out_file)
    record = dict(sha256=digest, recipe_key=recipe_key,
                  rows_kept=int(len(ids)), dtype=dtype)
    write_atomically(out_file[:-len('.pth')] + '.json',
                     lambda f: f.write(json.dumps(record, indent=1).encode()))
    return digest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('name', choices=sorted(shapes_clip.PROJECT_CLIPS))
    parser.add_argument('state_file', help='the built open_clip state dict')
    parser.add_argument('--dtype', choices=['float16', 'float32'],
                        default='float16',
                        help='float16 halves the size; float32 keeps the '
                        "build's bits")
    args = parser.parse_args(argv)
    out_file = osp.join(shapes_clip.SHIPPED_DIR, f'{args.name}.pth')
    key = shapes_clip.recipe_key(shapes_clip.load_recipe(
        shapes_clip.recipe_path(args.name)))
    print(out_file,
          pack_shipped(args.state_file, out_file, key, args.dtype))


if __name__ == '__main__':
    main()
