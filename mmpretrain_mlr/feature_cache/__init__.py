"""Frozen image towers computed once: features cached on disk per
(dataset, view) and read instead of the images (see ``FeatureCacheHook``).
"""
from .reader import CachedFeatures, CachedSampleReader
from .store import FeatureCacheError, FeatureStore

__all__ = [
    'CachedFeatures', 'CachedSampleReader', 'FeatureCacheError',
    'FeatureStore'
]
