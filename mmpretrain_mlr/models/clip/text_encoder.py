"""Frozen CLIP text transformer over prompt token embeddings."""
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
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

    Prompts that share their leading tokens (learnable contexts shared by
    all classes, a fixed template such as ``'a photo of a {}.'``) go
    through :meth:`encode_shared_prefix`: causality makes the hidden states
    of the shared prefix the same for every class, so the prefix is run
    once and each class's few suffix tokens (name, '.', EOT) attend to the
    prefix's keys and values of every layer. Same values and gradients as
    :meth:`forward`, with far fewer token passes (about 15x fewer for 64
    contexts and 4-token suffixes).

    Both open_clip text towers are supported: ``CLIP`` (the text tower's
    modules on the model) and ``CustomTextCLIP`` (``model.text``, a
    ``TextTransformer``; text projection a matrix or an ``nn.Linear``).

    Args:
        clip_model (nn.Module, optional): an open_clip model (``CLIP`` or
            ``CustomTextCLIP``) whose text tower is used. If None, one is
            built from ``clip``.
        tokenizer (callable, optional): the model's open_clip tokenizer;
            required with ``clip_model``.
        clip (dict, optional): arguments of :func:`build_open_clip`.
        truncate (bool): cut prompts after the last EOT token. Defaults to
            True.
        shared_prefix (bool): run a shared prompt prefix once
            (:meth:`encode_shared_prefix`); False encodes every prompt
            whole (the former path, for comparison). Defaults to True.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 clip_model=None,
                 tokenizer=None,
                 clip: Optional[dict] = None,
                 truncate: bool = True,
                 shared_prefix: bool = True,
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
        if getattr(tower, 'cls_emb', None) is not None:
            raise NotImplementedError(
                'CLIPTextEncoder: text towers with an appended class token '
                '(embed_cls=True, CoCa) are not supported')
        self.token_embedding = tower.token_embedding
        self.positional_embedding = tower.positional_embedding
        self.transformer = tower.transformer
        self.ln_final = tower.ln_final
        self.text_projection = tower.text_projection
        self.register_buffer('attn_mask', tower.attn_mask, persistent=False)
        self.tokenizer = tokenizer
        self.truncate = truncate
        self.shared_prefix = shared_prefix
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
        return self._project(x)  # [K, D]

    @property
    def supports_shared_prefix(self) -> bool:
        """Whether :meth:`encode_shared_prefix` runs the prefix once: the
        blocks are open_clip's ``ResidualAttentionBlock`` (a packed
        ``nn.MultiheadAttention``, no key/value biases, no gradient
        checkpointing). Otherwise it encodes the whole prompts (same
        result)."""
        if getattr(self.transformer, 'grad_checkpointing', False):
            return False
        for block in self.transformer.resblocks:
            attn = getattr(block, 'attn', None)
            if not isinstance(attn, nn.MultiheadAttention) or \
                    attn.in_proj_weight is None or attn.bias_k is not None \
                    or attn.add_zero_attn or hasattr(block, 'ln_1_kv'):
                return False
        return True

    def _project(self, x: torch.Tensor) -> torch.Tensor:
        """[..., W] after ``ln_final`` -> [..., D]."""
        if self.text_projection is None:
            return x
        if isinstance(self.text_projection, torch.nn.Linear):
            return self.text_projection(x)
        return x @ self.text_projection

    def encode_shared_prefix(self, prefix: torch.Tensor,
                             suffix: torch.Tensor,
                             suffix_length: torch.Tensor) -> torch.Tensor:
        """Encode prompts ``prefix[s] + suffix[c]`` for every prompt set s
        and class c, running the shared prefix once.

        Layer by layer, the prefix [S, P, W] goes through the block with its
        causal mask (``scaled_dot_product_attention``), and its keys and
        values are kept; each class's suffix tokens are the queries of an
        attention over the prefix keys (all visible) and the suffix's own
        keys (causal), in one softmax. Suffixes are grouped by length, so
        no padding is computed. In the last layer only the EOT token (the
        last suffix token) is computed. Tokens after the EOT are never
        computed, as with ``truncate=True``.

        Args:
            prefix (Tensor): [S, P, W] token embeddings of the shared
                leading tokens (start token, contexts / template words),
                one row per prompt set.
            suffix (Tensor): [C, L, W] token embeddings of each class's
                remaining tokens, left-aligned (padding after them is
                ignored).
            suffix_length (Tensor): [C] number of suffix tokens of each
                class, the last of them the EOT token (at least 1).

        Returns:
            Tensor: [S, C, D] prompt embeddings, not normalised (the same as
            :meth:`forward` on the concatenated prompts).
        """
        num_sets, prefix_len, width = prefix.shape
        lengths = [int(n) for n in suffix_length.tolist()]
        if min(lengths) < 1:
            raise ValueError('encode_shared_prefix: every class needs at '
                             'least its EOT token in the suffix')
        total = prefix_len + max(lengths)
        if total > self.positional_embedding.shape[0]:
            raise ValueError(
                f'encode_shared_prefix: prompts of {total} tokens exceed the '
                f'context length {self.positional_embedding.shape[0]}')
        if not (self.shared_prefix and self.supports_shared_prefix):
            return self._encode_concatenated(prefix, suffix, lengths)
        pos = self.positional_embedding.to(prefix.dtype)
        prefix_kv = self._prefix_keys_values(prefix + pos[:prefix_len])
        groups, order = [], []
        for length in sorted(set(lengths)):
            index = [c for c, n in enumerate(lengths) if n == length]
            tokens = suffix[index, :length] + \
                pos[prefix_len:prefix_len + length].to(suffix.dtype)
            groups.append(self._suffix_eot(
                tokens[None].expand(num_sets, -1, -1, -1), prefix_kv))
            order += index
        out = torch.cat(groups, dim=1)  # [S, C, W] in group order
        inverse = torch.empty(len(order), dtype=torch.long)
        inverse[torch.as_tensor(order)] = torch.arange(len(order))
        out = out[:, inverse.to(out.device)]
        return self._project(self.ln_final(out))  # [S, C, D]

    def _encode_concatenated(self, prefix, suffix, lengths):
        """:meth:`encode_shared_prefix` through :meth:`forward`."""
        num_sets, num_classes = prefix.shape[0], suffix.shape[0]
        prompts = torch.cat([
            prefix[:, None].expand(-1, num_classes, -1, -1),
            suffix[None].expand(num_sets, -1, -1, -1).to(prefix.dtype)
        ], dim=2).flatten(0, 1)  # [S * C, P + L, W]
        eot = torch.as_tensor(lengths, device=prefix.device) + \
            prefix.shape[1] - 1
        return self(prompts, eot.repeat(num_sets)).view(num_sets,
                                                        num_classes, -1)

    @staticmethod
    def _split_heads(x: torch.Tensor, num_heads: int) -> torch.Tensor:
        """[..., T, W] -> [..., H, T, W / H]."""
        x = x.unflatten(-1, (num_heads, -1))  # [..., T, H, hd]
        return x.transpose(-3, -2)

    def _prefix_keys_values(self, x: torch.Tensor) -> list:
        """Run the prefix [S, P, W] (with positions) through the blocks;
        keys and values [S, H, P, hd] of every layer."""
        blocks = self.transformer.resblocks
        keys_values = []
        for i, block in enumerate(blocks):
            attn = block.attn
            q, k, v = F.linear(block.ln_1(x), attn.in_proj_weight,
                               attn.in_proj_bias).chunk(3, dim=-1)
            k, v = (self._split_heads(t, attn.num_heads) for t in (k, v))
            keys_values.append((k, v))
            if i == len(blocks) - 1:
                break  # the prefix's last outputs are never read
            q = self._split_heads(q, attn.num_heads)
            out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            out = out.transpose(-3, -2).flatten(-2)  # [S, P, W]
            x = x + block.ls_1(attn.out_proj(out))
            x = x + block.ls_2(block.mlp(block.ln_2(x)))
        return keys_values

    def _suffix_eot(self, x: torch.Tensor, prefix_kv: list) -> torch.Tensor:
        """Run suffixes [S, Cg, Lg, W] (with positions, all of one length)
        through the blocks against the prefix keys / values; the last
        layer's output at the EOT (last) token [S, Cg, W] before
        ``ln_final``."""
        num_sets, num_classes, length, width = x.shape
        blocks = self.transformer.resblocks
        # a suffix token sees every prefix token and the suffix up to itself
        future = torch.ones(length, length, dtype=torch.bool,
                            device=x.device).triu(1)
        for i, (block, (pk, pv)) in enumerate(zip(blocks, prefix_kv)):
            attn = block.attn
            heads = attn.num_heads
            q, k, v = F.linear(block.ln_1(x), attn.in_proj_weight,
                               attn.in_proj_bias).chunk(3, dim=-1)
            mask = future
            if i == len(blocks) - 1:  # only the EOT token's output is read
                x, q, mask = x[:, :, -1:], q[:, :, -1:], future[-1:]
            q, k, v = (self._split_heads(t, heads) for t in (q, k, v))
            # [S, Cg, H, Lq, hd] -> [S, H, Cg * Lq, hd] against the prefix
            queries = q.size(-2)
            q_flat = q.transpose(1, 2).flatten(2, 3)
            scale = q.shape[-1]**-0.5
            to_prefix = (q_flat @ pk.transpose(-1, -2)).unflatten(
                2, (num_classes, queries)).transpose(1, 2)  # [S,Cg,H,Lq,P]
            to_suffix = (q @ k.transpose(-1, -2)).masked_fill(
                mask, float('-inf'))  # [S, Cg, H, Lq, Lg]
            weights = torch.softmax(
                torch.cat([to_prefix, to_suffix], dim=-1) * scale, dim=-1)
            w_prefix, w_suffix = weights.split(
                [pk.shape[-2], length], dim=-1)
            from_prefix = (w_prefix.transpose(1, 2).flatten(2, 3) @ pv
                           ).unflatten(2, (num_classes, queries)).transpose(
                               1, 2)  # [S, Cg, H, Lq, hd]
            out = (from_prefix + w_suffix @ v).transpose(-3, -2).flatten(-2)
            x = x + block.ls_1(attn.out_proj(out))  # [S, Cg, Lq, W]
            x = x + block.ls_2(block.mlp(block.ln_2(x)))
        return x[:, :, -1]

    def encode_texts(self, texts: List[str]) -> torch.Tensor:
        """Encode plain sentences: [K] strings -> [K, D] (not normalised)."""
        token_ids = self.tokenize(texts)
        return self(self.embed_tokens(token_ids), token_ids.argmax(dim=-1))
