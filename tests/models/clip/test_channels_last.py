"""``channels_last=True`` stores a ResNet tower's convolutions
channels-last and gives the same features (up to float rounding)."""
import pytest
import torch
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401
from mmpretrain_mlr.models.clip import CLIPImageEncoder
from tests.models.conftest import RN_ARCH

CHANNELS_LAST = torch.channels_last


def features_both_ways(build):
    """Features of the same random images from a default and a
    channels-last copy of the same weights."""
    default, fast = build(False), build(True)
    fast.load_state_dict(default.state_dict())
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        return default(images), fast(images), fast


@pytest.mark.parametrize('frozen', [True, False])
def test_clip_resnet_tower(frozen):
    def build(channels_last):
        torch.manual_seed(0)
        return CLIPImageEncoder(clip=dict(arch=RN_ARCH), frozen=frozen,
                                channels_last=channels_last).eval()

    expected, got, fast = features_both_ways(build)
    assert fast.visual.conv1.weight.is_contiguous(
        memory_format=CHANNELS_LAST)
    assert fast.visual.layer1[0].conv2.weight.is_contiguous(
        memory_format=CHANNELS_LAST)
    for a, b in zip(expected, got):
        torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-5)


def test_projected_backbone():
    def build(channels_last):
        torch.manual_seed(0)
        return MODELS.build(dict(
            type='ProjectedBackbone',
            backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
            in_channels=512, embed_dim=32,
            channels_last=channels_last)).eval()

    expected, got, fast = features_both_ways(build)
    assert fast.backbone.conv1.weight.is_contiguous(
        memory_format=CHANNELS_LAST)
    for a, b in zip(expected, got):
        torch.testing.assert_close(b, a, rtol=1e-4, atol=1e-5)
