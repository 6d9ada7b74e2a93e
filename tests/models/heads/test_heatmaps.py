"""Per-class heatmaps of the dense heads: grid layout, shapes, sums, and
that they are the weights the logits are built from."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401
from mmpretrain_mlr.models.layers.heatmaps import (token_grid,
                                                   tokens_to_heatmaps)
from tests.models.conftest import RN_ARCH, VIT_ARCH

NAMES = ['red circle', 'blue square', 'green triangle']


def build(arch, head):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='CLIPPromptClassifier', class_names=NAMES, clip=dict(arch=arch),
        prompt_learner=dict(type='DualCoOpPromptLearner', n_ctx=4),
        head=head)).eval()


def test_token_grid_layouts():
    assert token_grid(64, (64, 64)) == (0, 8, 8)       # ViT patches
    assert token_grid(5, (64, 64)) == (1, 2, 2)        # RN: mean + 2 x 2
    assert token_grid(1 + 2 * 4, (32, 64)) == (1, 2, 4)
    with pytest.raises(ValueError, match='7 dense tokens'):
        token_grid(7, (64, 64))


def test_mean_token_dropped_and_renormalised():
    weights = torch.tensor([[[0.5, 0.1, 0.1, 0.2, 0.1]]])  # [1, 1, 1 + 4]
    maps = tokens_to_heatmaps(weights, (64, 64))
    assert maps.shape == (1, 1, 2, 2)
    assert torch.allclose(maps.flatten(), torch.tensor([.2, .2, .4, .2]))


@pytest.mark.parametrize('arch,grid', [(VIT_ARCH, (8, 8)), (RN_ARCH, (2, 2))])
def test_dualcoop_maps_are_its_spatial_weights(arch, grid):
    model = build(arch, dict(type='DualCoOpHead'))
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        feats = model.extract_feat(images)
    maps = model.head.class_heatmaps(feats, images.shape[-2:])
    assert maps.shape == (2, 3) + grid
    assert (maps >= 0).all()
    assert torch.allclose(maps.sum((-2, -1)), torch.ones(2, 3))
    # independent re-computation of the softmax over the grid tokens
    dense = F.normalize(feats.image.dense_feat, dim=-1)
    first = dense.shape[1] - grid[0] * grid[1]
    sim = torch.einsum('bnd,cd->bcn', dense, feats.text[0])
    expected = torch.softmax(model.head.scales[1] * sim, dim=-1)[..., first:]
    expected = expected / expected.sum(-1, keepdim=True)
    assert torch.allclose(maps.flatten(2), expected, atol=1e-5)


def test_trm_maps_are_its_attention():
    model = build(VIT_ARCH, dict(type='TRMHead',
                                 region_attention=dict(num_heads=2)))
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        feats = model.extract_feat(images)
        model.head.predict(feats)  # first use sets the queries
        maps = model.head.class_heatmaps(feats, images.shape[-2:])
        _, attn = model.head.region_attention(feats.image.dense_feat,
                                              need_weights=True)
    assert maps.shape == (2, 3, 8, 8)
    assert torch.allclose(maps.sum((-2, -1)), torch.ones(2, 3), atol=1e-5)
    assert torch.allclose(maps.flatten(2), attn, atol=1e-6)
