"""Frozen CLIP text transformer over prompt token embeddings."""
from typing import List, Optional

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS

from .factory import build_open_clip


@MODELS.register_module()
class CLIPTextEncoder(BaseModule):
    """Encode prompts given as token embeddings, so that prompt learners can
    splice learnable context vectors between fixed tokens.

    The class embedding of a prompt is the transformer output at its
    end-of-text (EOT) token, through ``ln_final`` and the text projection.
    Because the transformer is causal, that output depends only on the
    tokens up to the EOT. With ``truncate=True`` every batch is cut to its
    longest EOT position + 1 instead of the full context (77 tokens): the
    same embeddings up to float rounding, at a fraction of the cost.

    Args:
        clip_model (nn.Module, optional): an open_clip model (``CLIP`` or
            ``CustomTextCLIP``) whose text tower is used. If None, one is
            built from ``clip``.
        tokenizer (callable, optional): the model's open_clip tokenizer;
            required with ``clip_model``.
        clip (dict, optional): arguments of :func:`build_open_clip`.
        truncate (bool): cut prompts after the last EOT token. Defaults to
            True.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 clip_model=None,
                 tokenizer=None,
                 clip: Optional[dict] = None,
                 truncate: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if clip_model is None:
            if clip is None:
                raise ValueError('CLIPTextEncoder needs `clip_model` or a '
                                 '`clip` dict (model_name, pretrained, ...)')
            clip_model, tokenizer = build_open_clip(**clip)
        if tokenizer is None:
            raise ValueError('CLIPTextEncoder: `tokenizer` is required with '
                             '`clip_model`')
        tower = getattr(clip_model, 'text', clip_model)
        pool_type = getattr(tower, 'text_pool_type',
                            getattr(tower, 'pool_type', 'argmax'))
        if pool_type != 'argmax' or tower.attn_mask is None:
            raise NotImplementedError(
                'CLIPTextEncoder needs a causal text transformer pooled at '
                f'the EOT token (pool_type="argmax"); got pool_type='
                f'{pool_type!r}, causal mask='
                f'{tower.attn_mask is not None}')
        self.token_embedding = tower.token_embedding
        self.positional_embedding = tower.positional_embedding
        self.transformer = tower.transformer
        self.ln_final = tower.ln_final
        self.text_projection = tower.text_projection
        self.register_buffer('attn_mask', tower.attn_mask, persistent=False)
        self.tokenizer = tokenizer
        self.truncate = truncate
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True):
        """The text tower is frozen: it stays in eval mode."""
        return super().train(False)

    @property
    def width(self) -> int:
        """Token embedding width (the size of a context vector)."""
        return self.token_embedding.weight.shape[1]

    @property
    def embed_dim(self) -> int:
        """Width of the class embeddings (the joint image-text space)."""
        projection = self.text_projection
        if projection is None:
            return self.width
        if isinstance(projection, torch.nn.Linear):
            return projection.out_features
        return projection.shape[1]

    def tokenize(self, texts: List[str]) -> torch.Tensor:
        """Token ids [K, context_length] on the encoder's device."""
        device = self.token_embedding.weight.device
        return self.tokenizer(list(texts)).to(device)

    def embed_tokens(self, token_ids: torch.Tensor) -> torch.Tensor:
        """[K, L] token ids -> [K, L, W] token embeddings."""
        return self.token_embedding(token_ids)

    def forward(self, prompt_embeds: torch.Tensor,
                eot_index: torch.Tensor) -> torch.Tensor:
        """Encode prompts.

        Args:
            prompt_embeds (Tensor): [K, L, W] token embeddings (L = the
                context length or less).
            eot_index (Tensor): [K] position of each prompt's EOT token.

        Returns:
            Tensor: [K, D] prompt embeddings, not normalised.
        """
        length = prompt_embeds.shape[1]
        if self.truncate:
            length = min(length, int(eot_index.max()) + 1)
        x = prompt_embeds[:, :length]  # [K, L', W]
        x = x + self.positional_embedding[:length].to(x.dtype)
        x = self.transformer(x, attn_mask=self.attn_mask[:length, :length])
        x = self.ln_final(x)
        x = x[torch.arange(x.shape[0], device=x.device), eot_index]  # [K, W]
        if self.text_projection is None:
            return x
        if isinstance(self.text_projection, torch.nn.Linear):
            return self.text_projection(x)
        return x @ self.text_projection  # [K, D]

    def encode_texts(self, texts: List[str]) -> torch.Tensor:
        """Encode plain sentences: [K] strings -> [K, D] (not normalised)."""
        token_ids = self.tokenize(texts)
        return self(self.embed_tokens(token_ids), token_ids.argmax(dim=-1))
