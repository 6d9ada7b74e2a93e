from .base_head import (MultiLabelPromptHead, ObservedLabelHead,
                        stack_observed_labels)
from .category_prototypes import CategoryPrototypes
from .category_region_attention import CategoryRegionAttention
from .dualcoop_head import DualCoOpHead
from .label_graph import GATv2Layer, LabelCorrelationGraph
from .linear_head import ObservedLabelLinearHead
from .semantic_reconstruction import SemanticVisualReconstruction
from .sigrl_head import SigRLHead
from .trm_head import TRMHead

__all__ = ['ObservedLabelHead', 'MultiLabelPromptHead',
           'stack_observed_labels', 'DualCoOpHead', 'ObservedLabelLinearHead',
           'CategoryPrototypes', 'CategoryRegionAttention', 'TRMHead',
           'GATv2Layer', 'LabelCorrelationGraph',
           'SemanticVisualReconstruction', 'SigRLHead']
