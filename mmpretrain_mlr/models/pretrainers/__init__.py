"""Models that pretrain CLIP towers (registered into mmpretrain MODELS)."""
from .contrastive_clip import ContrastiveCLIP

__all__ = ['ContrastiveCLIP']
