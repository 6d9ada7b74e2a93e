"""Datasets and label protocols (registered into mmpretrain's registries)."""
from .annotation_file import MultiLabelAnnotationDataset
from .holdout_split import holdout_indices
from .label_protocols import (BaseLabelProtocol, FullLabels,
                              ObservedLabelFile, PartialLabels,
                              build_label_protocol)
from .multilabel_dataset import BaseMultiLabelDataset
from .shapes import SHAPES_CLASSES, ShapesMultiLabel, render_shapes
from .single_positive import SinglePositiveLabels

__all__ = [
    'BaseLabelProtocol', 'FullLabels', 'PartialLabels', 'ObservedLabelFile',
    'build_label_protocol', 'BaseMultiLabelDataset',
    'MultiLabelAnnotationDataset', 'ShapesMultiLabel', 'SHAPES_CLASSES',
    'render_shapes', 'SinglePositiveLabels', 'holdout_indices'
]
