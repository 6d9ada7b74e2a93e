"""Learnable prompt contexts (CoOp) and their positive/negative pair
(DualCoOp)."""
from typing import Dict, Optional, Sequence, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS


@MODELS.register_module()
class CoOpPromptLearner(BaseModule):
    """Prompts ``"X X ... X {class name}."`` whose ``n_ctx`` X slots are
    learnable vectors (Zhou et al., CoOp).

    Args:
        ctx_dim (int): width of a token embedding; passed in by the
            classifier from its text encoder.
        n_ctx (int): number of context vectors. Defaults to 16.
        class_specific (bool): one context per class (CSC) instead of one
            shared by all classes. Requires ``num_classes`` and a fixed
            vocabulary. Defaults to False.
        num_classes (int, optional): size of the training vocabulary; passed
            in by the classifier.
        init_std (float): contexts start from N(0, init_std). Defaults to
            0.02.
        init_cfg (dict, optional): initialisation config.
    """

    num_prompt_sets = 1

    def __init__(self,
                 ctx_dim: int,
                 n_ctx: int = 16,
                 class_specific: bool = False,
                 num_classes: Optional[int] = None,
                 init_std: float = 0.02,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        if class_specific and not num_classes:
            raise ValueError(f'{type(self).__name__}: class_specific=True '
                             'needs num_classes')
        self.n_ctx = n_ctx
        self.class_specific = class_specific
        self.num_classes = num_classes
        shape = (self.num_prompt_sets, ) + (
            (num_classes, ) if class_specific else ()) + (n_ctx, ctx_dim)
        # [S, n_ctx, W] shared or [S, C, n_ctx, W] class-specific
        self.ctx = nn.Parameter(torch.randn(shape) * init_std)
        self._token_cache: Dict[Tuple, Tuple[torch.Tensor, ...]] = {}

    @torch.no_grad()
    def _fixed_tokens(self, class_names: Sequence[str], text_encoder):
        """Embeddings of the tokens around the context slots, cached per
        vocabulary: prefix [C, 1, W] (start token), suffix [C, L-1-n_ctx, W]
        (name, '.', EOT, padding) and EOT positions [C]."""
        device = text_encoder.token_embedding.weight.device
        key = (tuple(class_names), str(device))
        if key not in self._token_cache:
            slots = ' '.join(['X'] * self.n_ctx)
            token_ids = text_encoder.tokenize([
                f'{slots} {name.replace("_", " ")}.' for name in class_names
            ])  # [C, L]
            embeds = text_encoder.embed_tokens(token_ids)  # [C, L, W]
            self._token_cache[key] = (embeds[:, :1], embeds[:, 1 + self.n_ctx:],
                                      token_ids.argmax(dim=-1))
        return self._token_cache[key]

    def forward(self, class_names: Sequence[str],
                text_encoder) -> torch.Tensor:
        """Returns [S, C, D] L2-normalised class embeddings, S =
        ``num_prompt_sets``."""
        num_classes = len(class_names)
        if self.class_specific and num_classes != self.num_classes:
            raise ValueError(
                f'{type(self).__name__}: class-specific contexts were built '
                f'for {self.num_classes} classes but the vocabulary has '
                f'{num_classes}; use shared contexts for open vocabularies')
        prefix, suffix, eot = self._fixed_tokens(class_names, text_encoder)
        sets = self.num_prompt_sets
        ctx = self.ctx
        if not self.class_specific:
            ctx = ctx[:, None].expand(-1, num_classes, -1, -1)
        prompts = torch.cat([
            prefix[None].expand(sets, -1, -1, -1),
            ctx.to(prefix.dtype),
            suffix[None].expand(sets, -1, -1, -1),
        ], dim=2)  # [S, C, L, W]
        feats = text_encoder(prompts.flatten(0, 1), eot.repeat(sets))
        return F.normalize(feats, dim=-1).view(sets, num_classes, -1)


@MODELS.register_module()
class DualCoOpPromptLearner(CoOpPromptLearner):
    """A positive and a negative CoOp prompt per class (Sun et al.,
    DualCoOp, NeurIPS 2022). Returns [2, C, D]: index 0 positive, 1
    negative. Arguments as :class:`CoOpPromptLearner`."""

    num_prompt_sets = 2
