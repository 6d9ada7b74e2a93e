"""The text side of a classifier: one module from class names to class
embeddings."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn as nn

from .base import PromptTokens


class VocabularyError(ValueError):
    """A vocabulary the model cannot score (e.g. another vocabulary than the
    training one, for class-specific contexts)."""


class ClassEmbedder(nn.Module):
    """Class names -> normalised class embeddings [S, C, D].

    Owns the text side: the frozen text encoder, the prompt learner (its
    parametric part), the training vocabulary (by name) and the one cache
    of what does not change within a step:

    - ``('tokens', names, device)``: the token ids / embeddings of a
      vocabulary's prompt texts (the text encoder is frozen);
    - ``('embeddings', names, device)``: the class embeddings of a
      vocabulary, for a learner without parameters (fixed templates:
      always, computed in float32 even under autocast), or for learnt
      prompts in eval mode without gradients (validation, testing), until
      the learner is switched to train mode.

    Everything is keyed by the names themselves, so two vocabularies of
    the same size never share an entry; loading a state dict into the
    text encoder or the prompt learner empties the cache.

    Heads and other modules ask this module (through the classifier) for
    class embeddings; nothing else tokenizes or knows about prompts.

    Args:
        text_encoder (CLIPTextEncoder): the frozen text transformer.
        prompt_learner (PromptLearner): the prompt learner.
        class_names (Sequence[str]): the training vocabulary.
    """

    def __init__(self, text_encoder: nn.Module, prompt_learner: nn.Module,
                 class_names: Sequence[str]):
        super().__init__()
        self.text_encoder = text_encoder
        self.prompt_learner = prompt_learner
        self.class_names = list(class_names)
        self._cache: Dict[Tuple, object] = {}
        for module in (text_encoder, prompt_learner):
            module.register_load_state_dict_post_hook(self._loaded)

    # ------------------------------------------------------------ facts
    @property
    def embed_dim(self) -> int:
        """D, the width of the class embeddings (the joint space)."""
        return self.text_encoder.embed_dim

    @property
    def token_width(self) -> int:
        """W, the width of a token embedding (a context vector)."""
        return self.text_encoder.width

    @property
    def num_prompt_sets(self) -> int:
        """S, embeddings per class (2 for positive / negative prompts)."""
        return self.prompt_learner.num_prompt_sets

    @property
    def open_vocabulary(self) -> bool:
        """Whether any vocabulary can be embedded (shared contexts, fixed
        templates), not only the training one."""
        return self.prompt_learner.open_vocabulary

    @property
    def device(self) -> torch.device:
        return self.text_encoder.token_embedding.weight.device

    def check_vocabulary(self, class_names: Sequence[str],
                         field: str = 'class_names') -> None:
        """Raise :class:`VocabularyError` (saying why and what to use
        instead) if ``class_names`` cannot be embedded."""
        reason = self.prompt_learner.vocabulary_error(class_names,
                                                      self.class_names)
        if reason:
            raise VocabularyError(f'{field}: {reason}')

    # ------------------------------------------------------------ cache
    def _loaded(self, module, incompatible_keys) -> None:
        """After a state dict is loaded into the text encoder or the
        prompt learner (a bound method, so that copies of the model, e.g.
        EMA's, clear their own cache)."""
        self.clear_cache()

    def clear_cache(self, learnt_only: bool = False) -> None:
        """Forget cached entries: all, or only the embeddings of learnt
        prompts (when the prompts may train again)."""
        if learnt_only and not self.prompt_learner.learnable:
            return
        self._cache = {k: v for k, v in self._cache.items()
                       if learnt_only and k[0] == 'tokens'}

    def cached_vocabularies(self) -> List[Tuple[str, ...]]:
        """The vocabularies whose class embeddings are cached now."""
        return [k[1] for k in self._cache if k[0] == 'embeddings']

    @torch.no_grad()
    def tokens(self, class_names: Sequence[str]) -> PromptTokens:
        """The prompt tokens of a vocabulary (cached)."""
        key = ('tokens', tuple(class_names), str(self.device))
        if key not in self._cache:
            ids = self.text_encoder.tokenize(
                self.prompt_learner.prompt_texts(class_names))  # [K, L]
            self._cache[key] = PromptTokens(
                ids, self.text_encoder.embed_tokens(ids), ids.argmax(dim=-1))
        return self._cache[key]

    # ---------------------------------------------------------- forward
    def _embed(self, class_names: Sequence[str]) -> torch.Tensor:
        return self.prompt_learner(self.tokens(class_names),
                                   self.text_encoder)

    def forward(self, class_names: Optional[Sequence[str]] = None
                ) -> torch.Tensor:
        """Normalised class embeddings [S, C, D] of ``class_names``
        (default: the training vocabulary)."""
        names = tuple(self.class_names if class_names is None
                      else class_names)
        if not names:
            raise VocabularyError('class_names: an empty vocabulary')
        self.check_vocabulary(names)
        key = ('embeddings', names, str(self.device))
        if not self.prompt_learner.learnable:
            if key not in self._cache:
                with torch.no_grad(), torch.autocast(self.device.type,
                                                     enabled=False):
                    self._cache[key] = self._embed(names)
            return self._cache[key]
        if self.prompt_learner.training or torch.is_grad_enabled():
            return self._embed(names)
        if key not in self._cache:
            self._cache[key] = self._embed(names)
        return self._cache[key]
