"""Learnable prompt contexts (CoOp) and their positive/negative pair
(DualCoOp)."""
from typing import List, Optional, Sequence

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .base import PromptLearner, PromptTokens, readable


@MODELS.register_module()
class CoOpPromptLearner(PromptLearner):
    """Prompts ``"X X ... X {class name}."`` whose ``n_ctx`` X slots are
    learnable vectors (Zhou et al., CoOp).

    With contexts shared by all classes, the start token and the contexts
    are the same leading tokens of every prompt: they go through the text
    transformer once per step and only each class's suffix (name, '.',
    EOT) runs per class (:meth:`CLIPTextEncoder.encode_shared_prefix`).
    Class-specific contexts encode every prompt whole.

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

    @property
    def open_vocabulary(self) -> bool:
        """Shared contexts embed any vocabulary; class-specific contexts
        only the one they were trained for."""
        return not self.class_specific

    def vocabulary_error(self, class_names: Sequence[str],
                         trained_names: Sequence[str]) -> str:
        if not self.class_specific or list(class_names) == list(
                trained_names):
            return ''
        return (f'{type(self).__name__} has class-specific contexts, '
                f'learnt for its {self.num_classes} training classes in '
                'their order, so it cannot score another vocabulary '
                f'({len(class_names)} classes, first {list(class_names)[:3]}'
                '); use shared contexts (class_specific=False) or fixed '
                'templates (FixedPromptLearner) for open vocabularies')

    def prompt_texts(self, class_names: Sequence[str]) -> List[str]:
        slots = ' '.join(['X'] * self.n_ctx)
        return [f'{slots} {readable(name)}.' for name in class_names]

    def forward(self, tokens: PromptTokens, text_encoder) -> torch.Tensor:
        """Returns [S, C, D] L2-normalised class embeddings, S =
        ``num_prompt_sets``."""
        embeds, eot = tokens.embeds, tokens.eot  # [C, L, W], [C]
        num_classes, sets = embeds.shape[0], self.num_prompt_sets
        if self.class_specific and num_classes != self.num_classes:
            raise ValueError(
                f'{type(self).__name__}: class-specific contexts were built '
                f'for {self.num_classes} classes but the vocabulary has '
                f'{num_classes}; use shared contexts for open vocabularies')
        start = embeds[:1, :1]  # [1, 1, W] the start token
        suffix = embeds[:, 1 + self.n_ctx:]  # [C, L-1-n_ctx, W]
        ctx = self.ctx.to(embeds.dtype)
        if not self.class_specific:
            prefix = torch.cat([start.expand(sets, -1, -1), ctx], dim=1)
            feats = text_encoder.encode_shared_prefix(
                prefix, suffix, eot - self.n_ctx)  # [S, C, D]
            return F.normalize(feats, dim=-1)
        prompts = torch.cat([
            start.expand(sets, num_classes, -1, -1), ctx,
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
