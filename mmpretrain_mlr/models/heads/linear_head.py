"""A linear multi-label head over pooled backbone features."""
from typing import Sequence, Union

import torch
import torch.nn as nn
from mmpretrain.registry import MODELS

from .base_head import ObservedLabelHead


@MODELS.register_module()
class ObservedLabelLinearHead(ObservedLabelHead):
    """One linear layer from pooled features to C logits, trained on observed
    labels: the plain-backbone baseline of the single-positive benchmark
    (Cole et al., CVPR 2021: ImageNet ResNet-50 + linear classifier).

    Use it under mmpretrain's ``ImageClassifier`` (backbone + neck
    ``GlobalAveragePooling`` + this head); it reads ``observed_label`` like
    every head of this package, so any loss of the family fits in ``loss``.

    Args:
        num_classes (int): C.
        in_channels (int): Width of the pooled feature (2048 for ResNet-50).
        loss (dict): A loss on (logits [B, C], observed labels [B, C]).
            Defaults to ``dict(type='AssumeNegativeLoss')``.
        threshold (float): Score from which a class is predicted.
            Defaults to 0.5.
        init_cfg (dict, optional): Initialisation config. Defaults to a
            normal init of the layer (std 0.01).
    """

    #: one weight row per training class
    open_vocabulary = False

    def __init__(self,
                 num_classes: int,
                 in_channels: int,
                 loss: dict = dict(type='AssumeNegativeLoss'),
                 threshold: float = 0.5,
                 init_cfg: Union[dict, None] = dict(
                     type='Normal', layer='Linear', std=0.01)):
        super().__init__(loss=loss, threshold=threshold, init_cfg=init_cfg)
        if num_classes <= 0 or in_channels <= 0:
            raise ValueError('ObservedLabelLinearHead: num_classes and '
                             'in_channels must be positive, got '
                             f'{num_classes} and {in_channels}')
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, feats: Union[torch.Tensor, Sequence[torch.Tensor]]
                ) -> torch.Tensor:
        """Args:
            feats (Tensor | tuple[Tensor]): [B, in_channels] pooled features,
                or the neck's tuple whose last item is that.

        Returns:
            Tensor: [B, C] logits.
        """
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        return self.fc(feats)
