"""CLIP contrastive pretraining on image-caption pairs."""
from typing import List, Optional

import torch
import torch.nn.functional as F
from mmengine.model import BaseModel
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..clip import build_open_clip


@MODELS.register_module()
class ContrastiveCLIP(BaseModel):
    """Train both towers of an open_clip CLIP with the symmetric InfoNCE
    loss on image-caption pairs, as CLIP was trained.

    The only targets are the captions (``caption`` of each data sample):
    image i should match caption i. With ``false_negative_aware=True``,
    identical captions in a batch count as matches of each other's images
    instead of as negatives. The temperature is CLIP's learnable
    ``logit_scale`` (capped at 100 as in open_clip). Each batch of captions
    is cut to its longest caption before the text transformer (as
    :class:`CLIPTextEncoder` with ``truncate=True``): the transformer is
    causal and pooled at the end-of-text token, so the embeddings are those
    of the full context, at a fraction of the cost.

    In a distributed run each process contrasts its own batch (no
    gathering across processes).

    Args:
        clip (dict): arguments of :func:`build_open_clip` (``arch`` or
            ``model_name``, ``pretrained``, ...).
        loss (dict): the contrastive loss. Defaults to
            ``SymmetricInfoNCELoss``.
        false_negative_aware (bool): treat identical captions of a batch as
            matches. Defaults to True.
        max_logit_scale (float): cap on ``exp(logit_scale)``. Defaults to
            100.
        data_preprocessor (dict, optional): defaults to
            ``ClsDataPreprocessor``.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 clip: dict,
                 loss: dict = dict(type='SymmetricInfoNCELoss'),
                 false_negative_aware: bool = True,
                 max_logit_scale: float = 100.,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        data_preprocessor = dict(data_preprocessor or {})
        data_preprocessor.setdefault('type', 'mmpretrain.ClsDataPreprocessor')
        super().__init__(init_cfg=init_cfg,
                         data_preprocessor=data_preprocessor)
        clip_model, self.tokenizer = build_open_clip(**clip)
        self.clip = clip_model.train()
        if getattr(clip_model, 'text_pool_type', 'argmax') != 'argmax':
            raise NotImplementedError(
                'ContrastiveCLIP needs a text tower pooled at the end-of-text '
                "token (text_pool_type='argmax'), got "
                f'{clip_model.text_pool_type!r}')
        self.loss_module = MODELS.build(loss)
        self.false_negative_aware = false_negative_aware
        self.max_logit_scale = max_logit_scale

    def encode_captions(self, captions: List[str]) -> torch.Tensor:
        """[B] captions -> [B, D] embeddings (not normalised)."""
        c = self.clip
        tokens = self.tokenizer(list(captions)).to(
            c.token_embedding.weight.device)  # [B, context_length]
        eot = tokens.argmax(dim=-1)  # [B], the end-of-text id is the largest
        length = int(eot.max()) + 1
        x = c.token_embedding(tokens[:, :length])  # [B, L, W]
        x = x + c.positional_embedding[:length]
        x = c.transformer(x, attn_mask=c.attn_mask[:length, :length])
        x = c.ln_final(x)[torch.arange(x.shape[0]), eot]  # [B, W]
        if isinstance(c.text_projection, torch.nn.Linear):
            return c.text_projection(x)
        return x @ c.text_projection  # [B, D]

    def encode(self, images: torch.Tensor, captions: List[str]):
        """Returns L2-normalised image [B, D] and caption [B, D]
        embeddings."""
        image_embeds = F.normalize(self.clip.encode_image(images), dim=-1)
        text_embeds = F.normalize(self.encode_captions(captions), dim=-1)
        return image_embeds, text_embeds

    def forward(self,
                inputs: torch.Tensor,
                data_samples: Optional[List[DataSample]] = None,
                mode: str = 'tensor'):
        """``mode``: 'loss' (dict of losses) or 'tensor' (normalised image
        embeddings [B, D])."""
        if mode == 'loss':
            return self.loss(inputs, data_samples)
        if mode == 'tensor':
            return F.normalize(self.clip.encode_image(inputs), dim=-1)
        raise RuntimeError(f'ContrastiveCLIP: invalid mode {mode!r}; '
                           'expected "loss" or "tensor" (pretraining has no '
                           'predictions to evaluate)')

    def loss(self, inputs: torch.Tensor,
             data_samples: List[DataSample]) -> dict:
        """Returns ``loss_con`` and the current ``logit_scale``."""
        captions = [sample.caption for sample in data_samples]
        image_embeds, text_embeds = self.encode(inputs, captions)
        same = None
        if self.false_negative_aware:
            ids = {c: i for i, c in enumerate(dict.fromkeys(captions))}
            ids = torch.tensor([ids[c] for c in captions],
                               device=inputs.device)
            same = ids[:, None] == ids[None, :]  # [B, B]
        scale = self.clip.logit_scale.exp().clamp(max=self.max_logit_scale)
        loss = self.loss_module(image_embeds, text_embeds, scale, same)
        return dict(loss_con=loss, logit_scale=scale.detach())
