"""Datasets and label protocols (registered into mmpretrain's registries)."""
from .annotation_file import MultiLabelAnnotationDataset
from .coco import COCO_CLASSES, COCOMultiLabel
from .cub import CUBAttributes, readable_attribute_name
from .holdout_split import holdout_indices
from .label_protocols import (BaseLabelProtocol, FullLabels,
                              ObservedLabelFile, PartialLabels,
                              build_label_protocol)
from .multilabel_dataset import BaseMultiLabelDataset
from .nus_wide import NUSWIDEMultiLabel, NUSWIDEZeroShot
from .shapes import SHAPES_CLASSES, ShapesMultiLabel, render_shapes
from .shapes_captions import (SHAPES_ALL_CLASSES, ShapesCaptions,
                              describe_objects)
from .scene_world import SCENE_CLASSES, SceneWorld
from .shapes_scenes import ShapesScenes
from .single_positive import SinglePositiveLabels
from .visual_genome import VisualGenome200
from ..utils.vocabulary import (read_name_list, resolve_class_names,
                                select_columns)
from .voc import VOC_CLASSES, VOC_RAW_CLASSES, VOCMultiLabel

__all__ = [
    'BaseLabelProtocol', 'FullLabels', 'PartialLabels', 'ObservedLabelFile',
    'build_label_protocol', 'BaseMultiLabelDataset',
    'MultiLabelAnnotationDataset', 'ShapesMultiLabel', 'SHAPES_CLASSES',
    'render_shapes', 'ShapesCaptions', 'SHAPES_ALL_CLASSES',
    'describe_objects', 'ShapesScenes', 'SCENE_CLASSES', 'SceneWorld',
    'SinglePositiveLabels', 'holdout_indices',
    'COCOMultiLabel', 'COCO_CLASSES', 'VOCMultiLabel', 'VOC_CLASSES',
    'VOC_RAW_CLASSES',
    'NUSWIDEMultiLabel', 'NUSWIDEZeroShot', 'VisualGenome200',
    'CUBAttributes', 'readable_attribute_name', 'read_name_list',
    'resolve_class_names', 'select_columns'
]
