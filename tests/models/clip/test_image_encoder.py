import copy

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.utils import resize_pos_embed

from mmpretrain_mlr.models.clip import (CLIPImageEncoder, ImageFeatures,
                                        build_open_clip)


@pytest.mark.parametrize('clip_fixture', ['tiny_vit_clip', 'tiny_rn_clip'])
def test_global_feature_equals_open_clip(clip_fixture, request):
    model, _ = request.getfixturevalue(clip_fixture)
    encoder = CLIPImageEncoder(clip_model=model)
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        feats = encoder(images)
        expected = model.encode_image(images)
    assert isinstance(feats, ImageFeatures)
    assert torch.allclose(feats.global_feat, expected, atol=1e-5)


def test_vit_dense_shapes_and_resolution(tiny_vit_clip):
    encoder = CLIPImageEncoder(clip_model=tiny_vit_clip[0])
    feats = encoder(torch.randn(2, 3, 64, 64))
    assert feats.dense_feat.shape == (2, 64, 32)  # (64 / 8)^2 patches
    feats = encoder(torch.randn(1, 3, 96, 128))
    assert feats.dense_feat.shape == (1, 12 * 16, 32)


def bicubic_grid(pos, src, dst):
    """[1 + h*w, C] positions with the grid rows (row-major over (h, w))
    resized bicubically from ``src`` to ``dst``."""
    grid = pos[1:].reshape(1, src[0], src[1], -1).permute(0, 3, 1, 2)
    grid = F.interpolate(grid, size=dst, mode='bicubic', align_corners=False)
    return torch.cat([pos[:1], grid.flatten(2)[0].T], 0)


def test_vit_dense_tokens_equal_open_clip_tokens_at_a_non_square_size(
        tiny_vit_clip):
    # 48 x 80 input, 8-pixel patches: a 6 x 10 grid (native 8 x 8)
    visual = tiny_vit_clip[0].visual
    encoder = CLIPImageEncoder(clip_model=tiny_vit_clip[0])
    images = torch.randn(2, 3, 48, 80)
    # open_clip's own tower, its positions resized to the 6 x 10 grid
    reference = copy.deepcopy(visual)
    reference.positional_embedding = nn.Parameter(
        bicubic_grid(visual.positional_embedding, (8, 8), (6, 10)))
    reference.output_tokens = True
    with torch.no_grad():
        feats = encoder(images)
        pooled, tokens = reference(images)  # tokens: after ln_post
    assert feats.dense_feat.shape == (2, 60, 32)
    torch.testing.assert_close(feats.global_feat, pooled, atol=1e-5,
                               rtol=0)
    torch.testing.assert_close(feats.dense_feat, tokens @ reference.proj,
                               atol=1e-5, rtol=0)


def test_mean_pooled_vit_global_is_the_mean_of_its_dense_tokens():
    # a tower pooled by the mean of its patch tokens (pool_type='avg'):
    # open_clip's encode_image is ln_post, mean over the patches, then the
    # projection; the dense tokens are ln_post and the projection per patch
    arch = dict(embed_dim=16,
                vision_cfg=dict(layers=1, width=32, head_width=16,
                                patch_size=16, image_size=64,
                                pool_type='avg'),
                text_cfg=dict(context_length=8, vocab_size=100, width=16,
                              heads=2, layers=1))
    torch.manual_seed(0)
    model, _ = build_open_clip(arch=arch)
    visual = model.visual
    encoder = CLIPImageEncoder(clip_model=model)
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        feats = encoder(images)
        expected_global = model.encode_image(images)
        reference = copy.deepcopy(visual)
        reference.output_tokens = True
        _, tokens = reference(images)  # [2, 16, 32], after ln_post
    torch.testing.assert_close(feats.global_feat, expected_global,
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(feats.dense_feat, tokens @ visual.proj,
                               atol=1e-5, rtol=0)
    # the global feature is not the class token's
    with torch.no_grad():
        x = encoder._run_vit_blocks(encoder._vit_tokens(images), 0, None)
        class_token = visual.ln_post(x[:, 0]) @ visual.proj
    assert not torch.allclose(feats.global_feat, class_token, atol=1e-3)


def test_vit_pooled_after_its_final_norm_is_refused():
    arch = dict(embed_dim=16,
                vision_cfg=dict(layers=1, width=32, head_width=16,
                                patch_size=16, image_size=64,
                                pool_type='avg', final_ln_after_pool=True),
                text_cfg=dict(context_length=8, vocab_size=100, width=16,
                              heads=2, layers=1))
    model, _ = build_open_clip(arch=arch)
    with pytest.raises(NotImplementedError, match='final_ln_after_pool'):
        CLIPImageEncoder(clip_model=model)


def resnet_value_path(visual, images, native_grid):
    """Independent DualCoOp-style dense tokens of a ModifiedResNet: the
    attention pool's value and output projections of (mean token, grid
    tokens) + positions, and of the same tokens without positions."""
    with torch.no_grad():
        fmap = visual.layer4(visual.layer3(visual.layer2(visual.layer1(
            visual.stem(images)))))  # [B, C, h, w]
        tokens = fmap.flatten(2).transpose(1, 2)
        tokens = torch.cat([tokens.mean(1, keepdim=True), tokens], 1)
        pos = bicubic_grid(visual.attnpool.positional_embedding, native_grid,
                           fmap.shape[-2:])
        ap = visual.attnpool

        def project(x):
            return F.linear(F.linear(x, ap.v_proj.weight, ap.v_proj.bias),
                            ap.c_proj.weight, ap.c_proj.bias)

        return project(tokens + pos), project(tokens)


def test_resnet_dense_tokens_follow_the_value_path(tiny_rn_clip):
    model = tiny_rn_clip[0]
    # native 64 -> a 2 x 2 grid; 96 x 160 -> a 3 x 5 grid
    images = torch.randn(2, 3, 96, 160)
    with_pos, without_pos = resnet_value_path(model.visual, images, (2, 2))
    with torch.no_grad():
        feats = CLIPImageEncoder(clip_model=model)(images)
        no_mean = CLIPImageEncoder(clip_model=model, rn_mean_token=False)(
            images)
        no_pos = CLIPImageEncoder(clip_model=model, rn_pos_embed=False)(
            images)
    assert feats.dense_feat.shape == (2, 16, 32)
    torch.testing.assert_close(feats.dense_feat, with_pos, atol=1e-5,
                               rtol=0)
    torch.testing.assert_close(no_mean.dense_feat, with_pos[:, 1:],
                               atol=1e-5, rtol=0)
    torch.testing.assert_close(no_pos.dense_feat, without_pos, atol=1e-5,
                               rtol=0)
    # the global feature stays open_clip's attention pool (its positions
    # resized) in every variant
    reference = copy.deepcopy(model.visual)
    reference.attnpool.positional_embedding = nn.Parameter(bicubic_grid(
        model.visual.attnpool.positional_embedding, (2, 2), (3, 5)))
    with torch.no_grad():
        expected = reference(images)
    for variant in (feats, no_mean, no_pos):
        torch.testing.assert_close(variant.global_feat, expected, atol=1e-5,
                                   rtol=0)


def test_frozen_encoder_stays_in_eval(tiny_rn_clip):
    encoder = CLIPImageEncoder(clip_model=tiny_rn_clip[0])
    encoder.train()
    assert not encoder.visual.training
    assert not any(p.requires_grad for p in encoder.parameters())


def test_resize_pos_embed_identity_and_constant():
    # mmpretrain's resize_pos_embed, as the image encoder uses it
    pos = torch.randn(1, 1 + 9, 4)
    assert resize_pos_embed(pos, (3, 3), (3, 3)) is pos
    const = torch.ones(1, 1 + 4, 4)
    out = resize_pos_embed(const, (2, 2), (5, 3))
    assert out.shape == (1, 1 + 15, 4)
    assert torch.allclose(out, torch.ones_like(out), atol=1e-5)


def test_resize_pos_embed_is_the_bicubic_grid_resize():
    # what the encoder computed by hand before: first row kept, the
    # [h, w] grid resized bicubically without corner alignment
    torch.manual_seed(0)
    pos = torch.randn(1 + 7 * 7, 8)
    grid = pos[1:].reshape(1, 7, 7, 8).permute(0, 3, 1, 2)  # [1, C, h, w]
    grid = torch.nn.functional.interpolate(
        grid, size=(14, 10), mode='bicubic', align_corners=False)
    expected = torch.cat([pos[:1], grid.permute(0, 2, 3, 1).reshape(-1, 8)])
    out = resize_pos_embed(pos[None], (7, 7), (14, 10))[0]
    assert torch.equal(out, expected)


def test_missing_local_weights_file_is_a_clear_error(tmp_path):
    missing = str(tmp_path / 'RN50.pt')
    with pytest.raises(FileNotFoundError, match='RN50.pt'):
        build_open_clip('RN50', pretrained=missing)


def test_local_weights_file_is_loaded(tmp_path, tiny_vit_clip):
    from tests.models.conftest import VIT_ARCH
    model = tiny_vit_clip[0]
    path = tmp_path / 'tiny.pt'
    torch.save(model.state_dict(), path)
    loaded, _ = build_open_clip(arch=VIT_ARCH, quick_gelu=True,
                                pretrained=str(path))
    for key, value in model.state_dict().items():
        assert torch.equal(value, loaded.state_dict()[key]), key


def test_unknown_architecture_name():
    with pytest.raises(KeyError, match='open_clip architecture'):
        build_open_clip('RN5000')
