from .factory import build_open_clip
from .features import ClassifierFeatures, ImageFeatures
from .image_encoder import CLIPImageEncoder
from .projected_backbone import ProjectedBackbone
from .text_encoder import CLIPTextEncoder

__all__ = [
    'build_open_clip', 'ClassifierFeatures', 'ImageFeatures',
    'CLIPImageEncoder', 'CLIPTextEncoder', 'ProjectedBackbone'
]
