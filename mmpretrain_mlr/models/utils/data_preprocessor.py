"""mmpretrain's data preprocessor, also passing cached frozen features."""
import torch
from mmpretrain.models.utils import ClsDataPreprocessor
from mmpretrain.registry import MODELS

from ...feature_cache.reader import CACHED_FEATURES, CachedFeatures, tag_depth


@MODELS.register_module()
class CacheAwareDataPreprocessor(ClsDataPreprocessor):
    """``ClsDataPreprocessor`` (normalisation, channel order, padding,
    labels) for image batches; a batch read from a feature cache (its data
    samples carry ``cached_features``: see ``FeatureCacheHook``) is stacked
    as it is, on the model's device, into :class:`CachedFeatures`, its
    labels handled as for images.

    The default data preprocessor of ``CLIPPromptClassifier``; the
    arguments are ``ClsDataPreprocessor``'s.
    """

    def forward(self, data: dict, training: bool = False) -> dict:
        samples = data.get('data_samples')
        if not samples or CACHED_FEATURES not in samples[0]:
            return super().forward(data, training)
        if training and self.batch_augments is not None:
            raise ValueError(
                'a feature cache stores features, not images: batch '
                'augments (Mixup, CutMix) cannot run on them; remove '
                'model.data_preprocessor.batch_augments or the '
                'FeatureCacheHook')
        inputs = data['inputs']
        if not isinstance(inputs, torch.Tensor):
            inputs = torch.stack(inputs)
        features = self.cast_data(inputs).float()  # [B, ...]
        # the labels as for an image batch: the parent's label handling
        # on a placeholder image per sample (not used further)
        placeholder = features.new_zeros(len(samples), 3, 1, 1)
        labelled = super().forward(
            dict(inputs=placeholder, data_samples=samples), training=False)
        depth = tag_depth(samples[0].metainfo[CACHED_FEATURES])
        return dict(inputs=CachedFeatures(features, depth),
                    data_samples=labelled['data_samples'])
