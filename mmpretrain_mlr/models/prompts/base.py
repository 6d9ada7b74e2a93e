"""What a prompt learner is: the parametric part of the text side.

A prompt learner says which texts to tokenize for a vocabulary
(:meth:`PromptLearner.prompt_texts`) and turns their token embeddings into
class embeddings through the text encoder (:meth:`PromptLearner.forward`).
Tokenizing, caching and the vocabulary are the :class:`ClassEmbedder`'s.
"""
from typing import List, NamedTuple, Sequence

import torch
from mmengine.model import BaseModule


class PromptTokens(NamedTuple):
    """The fixed tokens of K prompt texts (no gradient; cached per
    vocabulary by the class embedder).

    Attributes:
        ids (Tensor): [K, L] token ids (L = the context length).
        embeds (Tensor): [K, L, W] token embeddings.
        eot (Tensor): [K] position of each text's end-of-text token.
    """
    ids: torch.Tensor
    embeds: torch.Tensor
    eot: torch.Tensor


class PromptLearner(BaseModule):
    """Base of the prompt learners.

    Class attributes / properties a learner states:

    - ``num_prompt_sets`` (S): embeddings per class (DualCoOp: 2, positive
      and negative);
    - ``open_vocabulary``: whether it can embed any vocabulary (shared
      contexts, fixed templates) or only the one it was built for
      (class-specific contexts);
    - ``learnable``: whether it has trainable parameters (if not, the
      class embeddings of a vocabulary are computed once and cached).
    """

    num_prompt_sets = 1

    @property
    def open_vocabulary(self) -> bool:
        return True

    @property
    def learnable(self) -> bool:
        return any(True for _ in self.parameters())

    def vocabulary_error(self, class_names: Sequence[str],
                         trained_names: Sequence[str]) -> str:
        """Why this learner cannot embed ``class_names`` (and what to use
        instead), or '' if it can."""
        return ''

    def prompt_texts(self, class_names: Sequence[str]) -> List[str]:
        """The texts whose tokens :meth:`forward` reads, for a
        vocabulary."""
        raise NotImplementedError

    def forward(self, tokens: PromptTokens, text_encoder) -> torch.Tensor:
        """Class embeddings [S, C, D], L2-normalised.

        Args:
            tokens (PromptTokens): of :meth:`prompt_texts` of the
                vocabulary.
            text_encoder (CLIPTextEncoder): the frozen text transformer.
        """
        raise NotImplementedError


def readable(name: str) -> str:
    """A class name as prompt text (underscores as spaces)."""
    return name.replace('_', ' ')
