"""The one place that builds an open_clip model (weights + tokenizer)."""
import glob
import json
import os
import os.path as osp
from typing import Callable, Optional, Tuple

import torch.nn as nn

from .conv_stem import ConvPatchStem
from .shapes_clip import PROJECT_CLIPS

_FILE_SUFFIXES = ('.pt', '.pth', '.bin', '.safetensors', '.npz')
# open_clip's model-name schemas: a downloaded model folder, a Hub repository
LOCAL_DIR, HF_HUB = 'local-dir:', 'hf-hub:'
# the weights files open_clip looks for in a local-dir folder
_FOLDER_WEIGHTS = ('*.safetensors', '*.bin', '*.pth')


def has_schema(model_name: Optional[str]) -> bool:
    """Whether ``model_name`` names a model folder or Hub repository
    (``'local-dir:PATH'``, ``'hf-hub:ORG/NAME'``), which hold the weights."""
    return isinstance(model_name, str) and model_name.startswith(
        (LOCAL_DIR, HF_HUB))


def has_pretrained_weights(clip: dict) -> bool:
    """Whether ``build_open_clip(**clip)`` loads weights (a tag, a file, a
    folder or Hub repository) rather than initialising them at random."""
    return clip.get('pretrained') is not None or \
        has_schema(clip.get('model_name'))


def _check_local_dir(model_name: str) -> None:
    """A clear error for a ``local-dir:`` folder open_clip cannot load."""
    folder = model_name[len(LOCAL_DIR):]
    config = osp.join(folder, 'open_clip_config.json')
    if not osp.isfile(config):
        raise FileNotFoundError(
            f'clip.model_name={model_name!r}: no {config!r}; a local-dir: '
            'folder is a downloaded open_clip model: open_clip_config.json '
            '(with "model_cfg") and the weights (e.g. '
            'open_clip_pytorch_model.bin or open_clip_model.safetensors)')
    if not any(glob.glob(osp.join(folder, pattern))
               for pattern in _FOLDER_WEIGHTS):
        raise FileNotFoundError(
            f'clip.model_name={model_name!r}: no weights file '
            f'({", ".join(_FOLDER_WEIGHTS)}) in {folder!r}, only '
            f'{sorted(os.listdir(folder))}')


def _looks_like_path(pretrained: str) -> bool:
    return (osp.sep in pretrained or pretrained.endswith(_FILE_SUFFIXES)
            or osp.exists(pretrained))


def build_open_clip(model_name: str = 'RN50',
                    pretrained: Optional[str] = None,
                    arch: Optional[dict] = None,
                    quick_gelu: bool = False,
                    cache_dir: Optional[str] = None
                    ) -> Tuple[nn.Module, Callable]:
    """Build an open_clip model and its tokenizer.

    Nothing is downloaded unless ``pretrained`` names an open_clip tag, and
    then only here, never at import time.

    Args:
        model_name (str): open_clip architecture name, e.g. ``'RN50'``,
            ``'RN101-quickgelu'``, ``'ViT-B-16'``; or, with its weights,
            a downloaded open_clip model folder ``'local-dir:PATH'``
            (``open_clip_config.json`` and a weights file) or a Hugging Face
            Hub repository ``'hf-hub:ORG/NAME'`` (read from the Hub cache,
            ``cache_dir`` or ``HF_HOME``; offline with ``HF_HUB_OFFLINE=1``).
            Ignored when ``arch`` is given. Defaults to ``'RN50'``.
        pretrained (str, optional): an open_clip pretrained tag (``'openai'``,
            ``'laion2b_s34b_b88k'``, ...), ``'shapes'`` / ``'shapes-scenes'``
            (this project's tiny CLIPs pretrained on captioned shapes
            scenes: shipped with the package or built once into
            ``cache_dir`` when absent; ``arch`` defaults to its own and must
            equal it) or a local checkpoint file (OpenAI's
            TorchScript ``.pt``, an open_clip state dict or safetensors).
            OpenAI's weights expect QuickGELU: with a local OpenAI file, use a
            ``-quickgelu`` architecture or ``quick_gelu=True``. ``None`` keeps
            the random initialisation. Defaults to None.
        arch (dict, optional): an explicit architecture, the keyword arguments
            of ``open_clip.CLIP`` (``embed_dim``, ``vision_cfg``,
            ``text_cfg``), e.g. for tiny test models; a ViT's
            ``vision_cfg`` may add ``conv_stem`` (channels of a
            :class:`~.conv_stem.ConvPatchStem`). Defaults to None.
        quick_gelu (bool): force QuickGELU activations. Defaults to False.
        cache_dir (str, optional): where open_clip caches downloaded weights
            and where the shapes CLIP is kept (default: see
            :func:`~.shapes_clip.default_cache_dir`).

    Returns:
        tuple: ``(model, tokenizer)``; the model is in eval mode, fp32.
    """
    import open_clip

    if pretrained in PROJECT_CLIPS:
        arch, pretrained = _project_clip(pretrained, arch, quick_gelu,
                                         cache_dir)
    if pretrained is not None and _looks_like_path(pretrained) \
            and not osp.isfile(pretrained):
        raise FileNotFoundError(
            f'clip.pretrained: no checkpoint file at {pretrained!r}; expected '
            'a local CLIP weights file or an open_clip tag such as "openai"')

    if arch is not None:
        model = _clip_from_arch(arch, quick_gelu)
        if pretrained is not None:
            if not osp.isfile(pretrained):
                raise ValueError(
                    f'clip.pretrained={pretrained!r}: with an explicit '
                    '`arch`, '
                    'pretrained must be a local checkpoint file')
            open_clip.load_checkpoint(model, pretrained)
        context_length = arch.get('text_cfg', {}).get('context_length', 77)
        tokenizer = open_clip.SimpleTokenizer(context_length=context_length)
    elif has_schema(model_name):
        if pretrained is not None:
            raise ValueError(
                f'clip.pretrained={pretrained!r} with clip.model_name='
                f'{model_name!r}: the folder / Hub repository holds the '
                'weights; leave pretrained unset')
        if model_name.startswith(LOCAL_DIR):
            _check_local_dir(model_name)
        model = open_clip.create_model(
            model_name, force_quick_gelu=quick_gelu, cache_dir=cache_dir)
        tokenizer = open_clip.get_tokenizer(model_name, cache_dir=cache_dir)
    else:
        if model_name not in open_clip.list_models():
            raise KeyError(
                f'clip.model_name={model_name!r} is not an open_clip '
                'architecture; known names include '
                f'{open_clip.list_models()[:8]}'
                ' ... (see open_clip.list_models())')
        model = open_clip.create_model(
            model_name, pretrained=pretrained, force_quick_gelu=quick_gelu,
            cache_dir=cache_dir)
        tokenizer = open_clip.get_tokenizer(model_name)
    return model.float().eval(), tokenizer


def _clip_from_arch(arch: dict, quick_gelu: bool = False) -> nn.Module:
    """``open_clip.CLIP(**arch)``, where ``arch['vision_cfg']`` may also
    hold ``conv_stem`` (a ViT's :class:`ConvPatchStem` channels): the
    model is built without it, then its ``visual.conv1`` is replaced."""
    import open_clip

    vision_cfg = dict(arch.get('vision_cfg', {}))
    conv_stem = vision_cfg.pop('conv_stem', None)
    model = open_clip.CLIP(**dict(arch, vision_cfg=vision_cfg),
                           quick_gelu=quick_gelu)
    if conv_stem is not None:
        if not isinstance(model.visual, open_clip.model.VisionTransformer):
            raise ValueError(
                f'vision_cfg.conv_stem={conv_stem}: only a ViT tower has a '
                f'patch embedding to replace, not '
                f'{type(model.visual).__name__}')
        model.visual.conv1 = ConvPatchStem(
            conv_stem, vision_cfg['width'], vision_cfg['patch_size'])
    return model


def _canonical(value):
    """A dict / list value with tuples as lists, for comparing configs."""
    return json.loads(json.dumps(value))


def _project_clip(name: str, arch: Optional[dict], quick_gelu: bool,
                  cache_dir: Optional[str]) -> Tuple[dict, str]:
    """``(arch, file)`` of the project CLIP ``name``, checking a given
    ``arch``."""
    from .shapes_clip import (load_recipe, project_clip_file, recipe_arch,
                              recipe_path)

    recipe = load_recipe(recipe_path(name))
    expected = recipe_arch(recipe)
    if arch is not None and _canonical(dict(arch)) != _canonical(expected):
        raise ValueError(
            f"clip.arch={dict(arch)} differs from the architecture of "
            f"pretrained={name!r} ({recipe_path(name)}: model.clip.arch="
            f'{expected}); take it from the configs/_base_/models/ file '
            'of that CLIP (`shapes_clip_arch`, `scenes_clip_arch`)')
    expected_gelu = recipe.model.clip.get('quick_gelu', False)
    if quick_gelu != expected_gelu:
        raise ValueError(
            f'clip.quick_gelu={quick_gelu}: pretrained={name!r} was trained '
            f'with quick_gelu={expected_gelu}')
    return expected, project_clip_file(name, cache_dir)
