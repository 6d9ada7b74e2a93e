from .coop import CoOpPromptLearner, DualCoOpPromptLearner
from .fixed_templates import FixedPromptLearner

__all__ = ['CoOpPromptLearner', 'DualCoOpPromptLearner', 'FixedPromptLearner']
