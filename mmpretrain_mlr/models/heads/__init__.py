from .base_head import MultiLabelPromptHead, stack_observed_labels
from .dualcoop_head import DualCoOpHead

__all__ = ['MultiLabelPromptHead', 'stack_observed_labels', 'DualCoOpHead']
