from typing import NamedTuple, Optional

import torch


class ImageFeatures(NamedTuple):
    """What an image encoder returns.

    Attributes:
        global_feat (Tensor): one embedding per image, [B, D].
        dense_feat (Tensor): one embedding per location, [B, N, D].
    """
    global_feat: torch.Tensor
    dense_feat: torch.Tensor


class ClassifierFeatures(NamedTuple):
    """What a prompt classifier hands to its head.

    Attributes:
        image (ImageFeatures): the trained image encoder's features.
        text (Tensor): L2-normalised class embeddings [S, C, D] (S prompt
            sets: 1, or 2 for positive / negative prompts).
        teacher (ImageFeatures, optional): a frozen copy of the image tower
            as loaded, when the classifier has one and the head asks for it
            (``head.needs_teacher``); None otherwise.
    """
    image: ImageFeatures
    text: torch.Tensor
    teacher: Optional[ImageFeatures] = None


def pack_features(feats: ImageFeatures) -> torch.Tensor:
    """One tensor [B, 1 + N, D] from global [B, D] and dense [B, N, D]
    features (global first): how a feature cache stores a frozen tower's
    output."""
    return torch.cat([feats.global_feat[:, None], feats.dense_feat], dim=1)


def unpack_features(packed: torch.Tensor) -> ImageFeatures:
    """The inverse of :func:`pack_features`."""
    return ImageFeatures(packed[:, 0], packed[:, 1:])
