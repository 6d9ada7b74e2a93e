"""Tiny randomly initialised open_clip models for the model tests."""
import pytest
import torch
from mmpretrain.structures import DataSample

from mmpretrain_mlr.models.clip import build_open_clip

TEXT_CFG = dict(context_length=77, vocab_size=49408, width=64, heads=4,
                layers=2)
VIT_ARCH = dict(embed_dim=32,
                vision_cfg=dict(layers=2, width=64, head_width=32,
                                patch_size=8, image_size=64),
                text_cfg=TEXT_CFG)
RN_ARCH = dict(embed_dim=32,
               vision_cfg=dict(layers=[1, 1, 1, 1], width=16, head_width=16,
                               image_size=64),
               text_cfg=TEXT_CFG)


@pytest.fixture(scope='session')
def tiny_vit_clip():
    torch.manual_seed(0)
    return build_open_clip(arch=VIT_ARCH, quick_gelu=True)


@pytest.fixture(scope='session')
def tiny_rn_clip():
    torch.manual_seed(0)
    return build_open_clip(arch=RN_ARCH, quick_gelu=True)


def observed_samples(rows):
    """Data samples carrying the given observed label rows."""
    return [DataSample(observed_label=torch.tensor(row, dtype=torch.int8))
            for row in rows]
