"""CLIP image encoder with dense (per-location) features."""
import math
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmpretrain.models.utils import resize_pos_embed
from mmpretrain.registry import MODELS
from torch.utils.checkpoint import checkpoint

from .blockwise_encoder import BlockwiseEncoder
from .factory import build_open_clip
from .features import ImageFeatures, pack_features, unpack_features


@MODELS.register_module()
class CLIPImageEncoder(BlockwiseEncoder):
    """The image tower of an open_clip model, returning global and dense
    features in the joint embedding space.

    ResNets (``ModifiedResNet``): the last feature map [B, C, h, w] becomes
    h*w tokens plus their mean as a first token, the attention pool's
    positional embedding is added, and the pool's value and output
    projections map every token to the joint space: dense [B, h*w + 1, D].
    The global feature is the ordinary attention-pool output.

    ViTs (``VisionTransformer``): ``ln_post`` and the projection are applied
    to every token: dense = patches [B, N, D]; global = the class token
    [B, D] for towers that pool it (``pool_type='tok'``), the mean of the
    dense tokens for towers that pool by the mean (``pool_type='avg'``),
    as open_clip's ``encode_image`` computes it.

    Positional embeddings are resized bicubically for inputs other than the
    model's native size.

    Partial fine-tuning (see :class:`BlockwiseEncoder`): the blocks are a
    ViT's residual blocks or a ResNet's four stages; the tail is a ViT's
    ``ln_post`` and projection or a ResNet's attention pool.

    Args:
        clip_model (nn.Module, optional): an open_clip model whose ``visual``
            tower is used; passed in by the classifier that owns the CLIP
            model. If None, one is built from ``clip``.
        clip (dict, optional): arguments of :func:`build_open_clip`.
        frozen (bool): freeze the tower (no gradients, eval mode, so batch
            norm statistics stay fixed). Defaults to True.
        trainable_blocks (int, optional): train only the last k blocks and
            the tail; overrides ``frozen``. Defaults to None.
        rn_mean_token (bool): ResNets only: prepend the spatial mean token to
            the dense tokens. Defaults to True (as DualCoOp).
        rn_pos_embed (bool): ResNets only: add the positional embedding to
            the dense tokens. Defaults to True (as DualCoOp).
        channels_last (bool): channels-last weights and inputs (see
            :meth:`BlockwiseEncoder.set_channels_last`); for ResNet towers.
            Defaults to False.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 clip_model=None,
                 clip: Optional[dict] = None,
                 frozen: bool = True,
                 trainable_blocks: Optional[int] = None,
                 rn_mean_token: bool = True,
                 rn_pos_embed: bool = True,
                 channels_last: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if clip_model is None:
            if clip is None:
                raise ValueError('CLIPImageEncoder needs `clip_model` or a '
                                 '`clip` dict (model_name, pretrained, ...)')
            clip_model, _ = build_open_clip(**clip)
        self.visual = clip_model.visual
        self.kind = type(self.visual).__name__
        if self.kind not in ('ModifiedResNet', 'VisionTransformer'):
            raise NotImplementedError(
                f'CLIPImageEncoder: dense features are implemented for '
                f'open_clip ModifiedResNet and VisionTransformer towers, got '
                f'{self.kind}')
        if self.kind == 'VisionTransformer':
            self._check_plain_vit()
        self.rn_mean_token = rn_mean_token
        self.rn_pos_embed = rn_pos_embed
        self.configure_trainable(frozen, trainable_blocks)
        self.set_channels_last(channels_last)
        self.train(self.training)

    def layer_groups(self) -> Tuple[List[str], List[str]]:
        if self.kind == 'ModifiedResNet':
            return [f'visual.layer{i}' for i in range(1, 5)], [
                'visual.attnpool'
            ]
        blocks = [
            f'visual.transformer.resblocks.{i}'
            for i in range(len(self.visual.transformer.resblocks))
        ]
        tail = ['visual.ln_post'] + (['visual.proj']
                                     if self.visual.proj is not None else [])
        return blocks, tail

    def _check_plain_vit(self):
        v = self.visual
        pool_type = getattr(v, 'pool_type', 'tok')
        if getattr(v, 'attn_pool', None) is not None or getattr(
                v, 'final_ln_after_pool', False) or pool_type not in ('tok',
                                                                      'avg'):
            raise NotImplementedError(
                'CLIPImageEncoder supports ViTs that pool the class token or '
                'the mean of the patch tokens (pool_type "tok" or "avg", '
                'ln_post before pooling, no attentional pooler); this tower '
                f'uses pool_type={pool_type!r}, final_ln_after_pool='
                f'{getattr(v, "final_ln_after_pool", False)}, attentional '
                f'pooler: {getattr(v, "attn_pool", None) is not None}')

    def forward(self, images: torch.Tensor) -> ImageFeatures:
        """Args:
            images (Tensor): [B, 3, H, W], normalised.

        Returns:
            ImageFeatures: global [B, D] and dense [B, N, D] features (not
            L2-normalised).
        """
        return self.forward_from(self.forward_to(images))

    def forward_to(self, images: torch.Tensor,
                   depth: Optional[int] = None) -> torch.Tensor:
        """The stem and the first ``depth`` blocks: what a feature cache
        stores for a tower whose later blocks train.

        Args:
            images (Tensor): [B, 3, H, W], normalised.
            depth (int, optional): number of blocks to run; None runs the
                whole tower, tail included. Defaults to None.

        Returns:
            Tensor: ViT tokens [B, 1 + N, W] or a ResNet feature map
            [B, C, h, w] after ``depth`` blocks; for ``depth=None`` the
            features packed as [B, 1 + N, D] (global first, then dense:
            :func:`pack_features`).
        """
        if self.kind == 'ModifiedResNet':
            v = self.visual
            x = v.stem(images)
            for stage in self._resnet_stages()[:depth]:
                x = stage(x)
            return x if depth is not None else pack_features(
                self._resnet_tail(x))
        x = self._run_vit_blocks(self._vit_tokens(images), 0, depth)
        return x if depth is not None else pack_features(self._vit_tail(x))

    def forward_from(self, x: torch.Tensor,
                     depth: Optional[int] = None) -> ImageFeatures:
        """The rest of the tower after :meth:`forward_to` with the same
        ``depth``: ``forward_from(forward_to(images, d), d)`` equals
        ``forward(images)`` for every ``d``."""
        if depth is None:
            return unpack_features(x)
        if self.kind == 'ModifiedResNet':
            for stage in self._resnet_stages()[depth:]:
                x = stage(x)
            return self._resnet_tail(x)
        return self._vit_tail(self._run_vit_blocks(x, depth, None))

    def _resnet_stages(self) -> List[torch.nn.Module]:
        v = self.visual
        return [v.layer1, v.layer2, v.layer3, v.layer4]

    def _resnet_tail(self, x: torch.Tensor) -> ImageFeatures:
        """The attention pool over the last feature map [B, C, h, w], and
        its value and output projections on every token."""
        pool = self.visual.attnpool
        b, c, h, w = x.shape
        tokens = x.flatten(2).transpose(1, 2)  # [B, h*w, C]
        tokens = torch.cat([tokens.mean(dim=1, keepdim=True), tokens], dim=1)
        src = int(math.isqrt(pool.positional_embedding.shape[0] - 1))
        pos = resize_pos_embed(pool.positional_embedding[None], (src, src),
                               (h, w))  # [1, 1 + h*w, C]
        tokens_pos = tokens + pos.to(tokens.dtype)  # [B, h*w + 1, C]

        global_feat = self._attention_pool(tokens_pos)  # [B, D]
        dense = tokens_pos if self.rn_pos_embed else tokens
        if not self.rn_mean_token:
            dense = dense[:, 1:]
        dense = pool.c_proj(pool.v_proj(dense))  # [B, N, D]
        return ImageFeatures(global_feat, dense)

    def _attention_pool(self, tokens: torch.Tensor) -> torch.Tensor:
        """CLIP's attention pool with the mean token as the only query,
        through PyTorch's scaled dot-product attention (the same result as
        the pool's ``multi_head_attention_forward``, which in bfloat16 on a
        CPU takes about 100 times as long).

        Args:
            tokens (Tensor): [B, 1 + h*w, C] with positional embedding.

        Returns:
            Tensor: [B, D].
        """
        pool = self.visual.attnpool
        b, length, width = tokens.shape
        heads = pool.num_heads

        def split_heads(x):  # [B, L, C] -> [B, heads, L, C / heads]
            return x.view(b, x.shape[1], heads, width // heads).transpose(1, 2)

        query = split_heads(pool.q_proj(tokens[:, :1]))
        key = split_heads(pool.k_proj(tokens))
        value = split_heads(pool.v_proj(tokens))
        out = F.scaled_dot_product_attention(query, key, value)
        # [B, heads, 1, C / heads] -> [B, C], heads side by side
        return pool.c_proj(out.reshape(b, width))

    def _vit_tokens(self, images: torch.Tensor) -> torch.Tensor:
        """Patch embedding, class token, positional embedding and
        ``ln_pre``: [B, 3, H, W] -> [B, 1 + gh*gw, W]."""
        v = self.visual
        x = v.conv1(images)  # [B, W, gh, gw]
        grid = x.shape[-2:]
        x = x.flatten(2).transpose(1, 2)  # [B, gh*gw, W]
        cls = v.class_embedding.to(x.dtype).expand(x.shape[0], 1, -1)
        x = torch.cat([cls, x], dim=1)  # [B, 1 + gh*gw, W]
        x = x + resize_pos_embed(v.positional_embedding[None],
                                 tuple(v.grid_size),
                                 tuple(grid)).to(x.dtype)  # [1, L, W]
        return v.ln_pre(v.patch_dropout(x))

    def _run_vit_blocks(self, x: torch.Tensor, start: int,
                        stop: Optional[int]) -> torch.Tensor:
        """Residual blocks ``start:stop`` on tokens [B, L, W] (as the
        tower's transformer runs them: its layout, its gradient
        checkpointing)."""
        transformer = self.visual.transformer
        batch_first = getattr(transformer, 'batch_first', True)
        if not batch_first:
            x = x.transpose(0, 1).contiguous()  # [L, B, W]
        for block in transformer.resblocks[start:stop]:
            if getattr(transformer, 'grad_checkpointing', False):
                x = checkpoint(block, x, None, None, None,
                               use_reentrant=False)
            else:
                x = block(x)
        return x if batch_first else x.transpose(0, 1)

    def _vit_tail(self, x: torch.Tensor) -> ImageFeatures:
        """``ln_post`` and the projection on every token [B, 1 + N, W]:
        patches -> dense [B, N, D]; class token (or, for ``pool_type='avg'``,
        the mean of the dense tokens) -> global [B, D]."""
        v = self.visual
        x = v.ln_post(x)
        if v.proj is not None:
            x = x @ v.proj  # [B, 1 + N, D]
        dense = x[:, 1:]
        if getattr(v, 'pool_type', 'tok') == 'avg':
            # the projection is linear: the mean of the projected patches
            # is open_clip's projected mean
            return ImageFeatures(dense.mean(dim=1), dense)
        return ImageFeatures(x[:, 0], dense)

