"""Hand-written prompt templates, ensembled; no learnable parameters."""
from typing import List, Sequence

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .base import PromptLearner, PromptTokens, readable


def shared_prefix_length(ids: torch.Tensor, eot: torch.Tensor) -> int:
    """Number of leading tokens that every row of ``ids`` [C, L] shares,
    at most the first EOT position (each prompt keeps its EOT in the
    suffix)."""
    same = (ids == ids[:1]).all(dim=0)  # [L]
    differs = torch.nonzero(~same)
    length = int(differs[0]) if len(differs) else ids.shape[1]
    return min(length, int(eot.min()))


@MODELS.register_module()
class FixedPromptLearner(PromptLearner):
    """Class embeddings from fixed templates such as ``'a photo of a {}.'``.

    Each template is filled with every class name and encoded; the
    L2-normalised embeddings are averaged over templates and normalised
    again. The leading tokens a template's prompts share (``'a photo of
    a'``) go through the text transformer once
    (:meth:`CLIPTextEncoder.encode_shared_prefix`). Having no parameters,
    the embeddings of a vocabulary are computed once, in float32, and
    cached by the class embedder.

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

    def prompt_texts(self, class_names: Sequence[str]) -> List[str]:
        """Template-major: all names in the first template, then the
        second, ..."""
        return [template.format(readable(name))
                for template in self.templates for name in class_names]

    def forward(self, tokens: PromptTokens, text_encoder) -> torch.Tensor:
        """Returns [1, C, D] L2-normalised class embeddings."""
        num_templates = len(self.templates)
        num_classes = tokens.ids.shape[0] // num_templates
        per_template = []
        for t in range(num_templates):
            rows = slice(t * num_classes, (t + 1) * num_classes)
            ids, embeds, eot = (tokens.ids[rows], tokens.embeds[rows],
                                tokens.eot[rows])
            shared = shared_prefix_length(ids, eot)
            feats = text_encoder.encode_shared_prefix(
                embeds[:1, :shared], embeds[:, shared:],
                eot - shared + 1)[0]  # [C, D]
            per_template.append(F.normalize(feats, dim=-1))
        mean = torch.stack(per_template).mean(0)  # [C, D]
        return F.normalize(mean, dim=-1)[None]
