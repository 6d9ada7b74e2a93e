from .base import PromptLearner, PromptTokens
from .class_embedder import ClassEmbedder, VocabularyError
from .coop import CoOpPromptLearner, DualCoOpPromptLearner
from .fixed_templates import FixedPromptLearner

__all__ = ['ClassEmbedder', 'CoOpPromptLearner', 'DualCoOpPromptLearner',
           'FixedPromptLearner', 'PromptLearner', 'PromptTokens',
           'VocabularyError']
