from .clip_prompt_classifier import CLIPPromptClassifier

__all__ = ['CLIPPromptClassifier']
