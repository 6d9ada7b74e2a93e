"""Hand-written prompt templates, ensembled; no learnable parameters."""
from typing import Dict, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class FixedPromptLearner(BaseModule):
    """Class embeddings from fixed templates such as ``'a photo of a {}.'``.

    Each template is filled with every class name and encoded; the
    L2-normalised embeddings are averaged over templates and normalised
    again. The text encoder is frozen, so the result for a vocabulary is
    computed once and cached (per vocabulary and device), in float32 even
    when first asked for under autocast (mixed-precision training), so
    that full-precision evaluation later reads exact embeddings.

    Args:
        templates (Sequence[str]): templates with one ``{}`` for the name.
            Defaults to ``('a photo of a {}.', )``.
        init_cfg (dict, optional): initialisation config.
    """

    num_prompt_sets = 1

    def __init__(self,
                 templates: Sequence[str] = ('a photo of a {}.', ),
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        for template in templates:
            if template.count('{}') != 1:
                raise ValueError(
                    f'FixedPromptLearner.templates: {template!r} must hold '
                    'exactly one "{}" for the class name')
        self.templates = tuple(templates)
        self._cache: Dict[Tuple, torch.Tensor] = {}

    @torch.no_grad()
    def forward(self, class_names: Sequence[str],
                text_encoder) -> torch.Tensor:
        """Returns [1, C, D] L2-normalised class embeddings."""
        device = text_encoder.token_embedding.weight.device
        key = (tuple(class_names), str(device))
        if key not in self._cache:
            names = [name.replace('_', ' ') for name in class_names]
            with torch.autocast(device.type, enabled=False):
                per_template = torch.stack([
                    F.normalize(text_encoder.encode_texts(
                        [template.format(name) for name in names]), dim=-1)
                    for template in self.templates
                ])  # [T, C, D]
            self._cache[key] = F.normalize(per_template.mean(0), dim=-1)[None]
        return self._cache[key]
