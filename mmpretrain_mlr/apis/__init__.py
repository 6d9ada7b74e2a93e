"""Inference APIs: :class:`MultiLabelInferencer` (label sets, named scores,
per-class heatmaps, any vocabulary for prompt-based models, per-class
thresholds, models by config or model-index name) and
:func:`inference_model` (one call)."""
from .inference import inference_model
from .multi_label_inferencer import MultiLabelInferencer, resolve_model

__all__ = ['MultiLabelInferencer', 'inference_model', 'resolve_model']
