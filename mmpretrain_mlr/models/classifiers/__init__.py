from .clip_prompt_classifier import CLIPPromptClassifier
from .frozen_backbone_classifier import FrozenBackboneClassifier

__all__ = ['CLIPPromptClassifier', 'FrozenBackboneClassifier']
