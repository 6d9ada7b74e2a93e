"""DualCoOp's class-specific region aggregation."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .base_head import ObservedLabelHead
from ..layers.heatmaps import tokens_to_heatmaps


@MODELS.register_module()
class DualCoOpHead(ObservedLabelHead):
    """Region-aggregated logits from dense image features and positive /
    negative class prompts (Sun et al., DualCoOp, NeurIPS 2022).

    With L2-normalised dense tokens z [B, N, D] and prompt embeddings
    t+ / t- [C, D]:

    - w[b, n, c] = softmax over n of ``spatial_temperature * <z, t+>``
    - l+/- [b, c] = sum_n w * ``logit_scale`` * <z, t+/->
    - logit = l+ - l-, probability sigmoid(logit).

    The official code fixes both scales (20, 100); a re-implementation
    learns them from (20, 50). Single-prompt learners (CoOp, fixed
    templates) give only t+, and the logit is l+ alone.

    Args:
        loss (dict): loss config. Defaults to ``MaskedAsymmetricLoss``.
        logit_scale (float): s. Defaults to 100.
        spatial_temperature (float): tau. Defaults to 20.
        learnable_scales (bool): learn s and tau. Defaults to False.
        threshold (float): prediction threshold. Defaults to 0.5.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 loss: dict = dict(type='MaskedAsymmetricLoss'),
                 logit_scale: float = 100.,
                 spatial_temperature: float = 20.,
                 learnable_scales: bool = False,
                 threshold: float = 0.5,
                 init_cfg=None):
        super().__init__(loss=loss, threshold=threshold, init_cfg=init_cfg)
        scales = torch.tensor([logit_scale, spatial_temperature])
        if learnable_scales:
            self.scales = nn.Parameter(scales)
        else:
            self.register_buffer('scales', scales)

    def forward(self, feats) -> torch.Tensor:
        """Args:
            feats (ClassifierFeatures): from the classifier: ``image`` with
                ``dense_feat`` [B, N, D] and ``text``, normalised class
                embeddings [S, C, D] (S = 2: positive, negative).

        Returns:
            Tensor: logits [B, C].
        """
        text_feats = feats.text
        logit_scale, temperature = self.scales
        dense = F.normalize(feats.image.dense_feat, dim=-1)  # [B, N, D]
        sim = torch.einsum('bnd,scd->bsnc', dense, text_feats.to(dense.dtype))
        weights = torch.softmax(temperature * sim[:, 0], dim=1)  # [B, N, C]
        logits = logit_scale * (weights[:, None] * sim).sum(dim=2)  # [B, S, C]
        if logits.shape[1] == 1:
            return logits[:, 0]
        return logits[:, 0] - logits[:, 1]

    @torch.no_grad()
    def class_heatmaps(self, feats, image_size) -> torch.Tensor:
        """The spatial weights w of every class as maps over the image.

        Args:
            feats (ClassifierFeatures): as for :meth:`forward`.
            image_size (Sequence[int]): (H, W) of the network input.

        Returns:
            Tensor: [B, C, h, w], each map summing to 1.
        """
        dense = F.normalize(feats.image.dense_feat, dim=-1)  # [B, N, D]
        sim = dense @ feats.text[0].to(dense.dtype).t()  # [B, N, C]
        weights = torch.softmax(self.scales[1] * sim, dim=1)
        return tokens_to_heatmaps(weights.transpose(1, 2), image_size)
