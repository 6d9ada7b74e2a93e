from .base_head import (MultiLabelPromptHead, ObservedLabelHead,
                        stack_observed_labels)
from .category_prototypes import CategoryPrototypes
from .category_region_attention import CategoryRegionAttention
from .dualcoop_head import DualCoOpHead
from .linear_head import ObservedLabelLinearHead
from .trm_head import TRMHead

__all__ = ['ObservedLabelHead', 'MultiLabelPromptHead',
           'stack_observed_labels', 'DualCoOpHead', 'ObservedLabelLinearHead',
           'CategoryPrototypes', 'CategoryRegionAttention', 'TRMHead']
