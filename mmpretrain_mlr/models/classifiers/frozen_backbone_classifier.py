"""mmpretrain's image classifier on fixed features: the linear probe."""
import itertools
from typing import List, Optional, Tuple, Union

import torch
from mmpretrain.models import ImageClassifier
from mmpretrain.registry import MODELS

from ...feature_cache.reader import CachedFeatures


class FrozenFeatureExtractor:
    """The backbone and neck of a :class:`FrozenBackboneClassifier` seen as
    an image encoder cut after the neck: the interface through which a
    ``FeatureCacheHook`` fills a cache and checks its key.

    Args:
        classifier (FrozenBackboneClassifier): the model it belongs to.
    """

    def __init__(self, classifier: 'FrozenBackboneClassifier'):
        self.classifier = classifier

    @staticmethod
    def frozen_depth() -> None:
        """The whole extractor is frozen (None: cut after the neck)."""
        return None

    def forward_to(self, images: torch.Tensor,
                   depth: Optional[int] = None) -> torch.Tensor:
        """The neck's output [B, C] for images [B, 3, H, W]."""
        if depth is not None:
            raise ValueError(f'{type(self.classifier).__name__} caches the '
                             f'neck\'s output only (depth None), got {depth}')
        feats = self.classifier.extract_feat(images)
        if len(feats) != 1:
            raise ValueError(
                f'{type(self.classifier).__name__}: the neck gives '
                f'{len(feats)} feature maps; a feature cache holds one '
                '(set the backbone\'s out_indices to one stage)')
        return feats[0]

    forward = forward_to

    def frozen_part_state(self, depth: Optional[int] = None) -> List[tuple]:
        """``(name, tensor)`` of every parameter and buffer of the backbone
        and the neck: what the cached features depend on."""
        return [(f'{prefix}.{name}', tensor)
                for prefix, module in self.classifier.frozen_modules()
                for name, tensor in itertools.chain(
                    module.named_parameters(), module.named_buffers())]


@MODELS.register_module()
class FrozenBackboneClassifier(ImageClassifier):
    """An ``ImageClassifier`` whose backbone and neck are frozen and stay in
    eval mode (batch norms use their running statistics): only the head
    trains, on features that depend on the image alone.

    This is the ``linear_fixed_features`` setting of Cole et al., "Multi-
    Label Learning from Single Positive Labels" (CVPR 2021): a linear
    classifier on fixed ImageNet features, beside their end-to-end one.
    With a ``FeatureCacheHook`` the features are computed once and read
    back (the role of the paper's pre-extracted feature files); without
    one the backbone runs on every batch, with the same result.

    Args:
        backbone (dict): the backbone config.
        neck (dict, optional): the neck config (e.g. global average
            pooling); a feature cache stores its output.
        head (dict, optional): the head config, the part that trains.
        pretrained (str, optional): checkpoint of the whole model.
        train_cfg (dict, optional): batch augments (not with a cache).
        data_preprocessor (dict, optional): defaults to
            ``CacheAwareDataPreprocessor`` (``ClsDataPreprocessor`` that
            also passes cached batches).
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 backbone: dict,
                 neck: Optional[dict] = None,
                 head: Optional[dict] = None,
                 pretrained: Optional[str] = None,
                 train_cfg: Optional[dict] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg: Optional[dict] = None):
        if data_preprocessor is None or isinstance(data_preprocessor, dict):
            data_preprocessor = dict(data_preprocessor or {})
            data_preprocessor.setdefault(
                'type', 'mmpretrain.CacheAwareDataPreprocessor')
        super().__init__(backbone, neck=neck, head=head,
                         pretrained=pretrained, train_cfg=train_cfg,
                         data_preprocessor=data_preprocessor,
                         init_cfg=init_cfg)
        for _, module in self.frozen_modules():
            module.requires_grad_(False)
            module.eval()  # from the start, not only after train()

    def frozen_modules(self) -> List[Tuple[str, torch.nn.Module]]:
        """``(name, module)`` of the backbone and, if any, the neck."""
        return [('backbone', self.backbone)] + (
            [('neck', self.neck)] if self.with_neck else [])

    @property
    def image_encoder(self) -> FrozenFeatureExtractor:
        """The frozen part as a cut encoder (see ``FeatureCacheHook``)."""
        return FrozenFeatureExtractor(self)

    def train(self, mode: bool = True) -> 'FrozenBackboneClassifier':
        """Train the head; the frozen part stays in eval mode."""
        super().train(mode)
        for _, module in self.frozen_modules():
            module.eval()
        return self

    def extract_feat(self, inputs: Union[torch.Tensor, CachedFeatures],
                     stage: str = 'neck'):
        """``ImageClassifier.extract_feat``; ``inputs`` read from a feature
        cache (:class:`CachedFeatures`, the neck's output [B, C]) skip the
        backbone and the neck."""
        if not isinstance(inputs, CachedFeatures):
            return super().extract_feat(inputs, stage)
        if stage == 'backbone':
            raise ValueError('the backbone\'s output is not kept in a '
                             'feature cache, only the neck\'s')
        feats = (inputs.tensor, )
        return feats if stage == 'neck' else self.head.pre_logits(feats)
