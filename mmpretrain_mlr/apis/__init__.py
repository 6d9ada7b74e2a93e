"""Inference APIs: :class:`MultiLabelInferencer` (label sets, named scores,
per-class heatmaps, any vocabulary for prompt-based models)."""
from .multi_label_inferencer import MultiLabelInferencer

__all__ = ['MultiLabelInferencer']
