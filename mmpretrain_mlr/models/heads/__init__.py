from .base_head import (MultiLabelPromptHead, ObservedLabelHead,
                        stack_observed_labels)
from .dualcoop_head import DualCoOpHead
from .linear_head import ObservedLabelLinearHead
from .sigrl_head import SigRLHead
from .trm_head import TRMHead

__all__ = ['ObservedLabelHead', 'MultiLabelPromptHead',
           'stack_observed_labels', 'DualCoOpHead', 'ObservedLabelLinearHead',
           'TRMHead', 'SigRLHead']
