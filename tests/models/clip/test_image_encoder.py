import pytest
import torch
import torch.nn.functional as F

from mmpretrain_mlr.models.clip import (CLIPImageEncoder, ImageFeatures,
                                        build_open_clip)
from mmpretrain_mlr.models.clip.pos_embed import resize_pos_embed


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


def test_resnet_dense_tokens_follow_the_value_path(tiny_rn_clip):
    model = tiny_rn_clip[0]
    encoder = CLIPImageEncoder(clip_model=model)
    images = torch.randn(2, 3, 128, 128)  # 2x the native size: 4x4 grid
    feats = encoder(images)
    assert feats.dense_feat.shape == (2, 17, 32)
    # independent recomputation: value + output projections of each token
    v = model.visual
    with torch.no_grad():
        fmap = v.layer4(v.layer3(v.layer2(v.layer1(v.stem(images)))))
        tokens = fmap.flatten(2).transpose(1, 2)
        tokens = torch.cat([tokens.mean(1, keepdim=True), tokens], 1)
        pos = v.attnpool.positional_embedding  # [1 + 2*2, C]
        grid = pos[1:].reshape(1, 2, 2, -1).permute(0, 3, 1, 2)
        grid = F.interpolate(grid, size=(4, 4), mode='bicubic',
                             align_corners=False)
        pos = torch.cat([pos[:1], grid.flatten(2)[0].T], 0)
        ap = v.attnpool
        expected = F.linear(F.linear(tokens + pos, ap.v_proj.weight,
                                     ap.v_proj.bias),
                            ap.c_proj.weight, ap.c_proj.bias)
    assert torch.allclose(feats.dense_feat, expected, atol=1e-5)

    no_mean = CLIPImageEncoder(clip_model=model, rn_mean_token=False)
    assert no_mean(images).dense_feat.shape == (2, 16, 32)


def test_frozen_encoder_stays_in_eval(tiny_rn_clip):
    encoder = CLIPImageEncoder(clip_model=tiny_rn_clip[0])
    encoder.train()
    assert not encoder.visual.training
    assert not any(p.requires_grad for p in encoder.parameters())


def test_resize_pos_embed_identity_and_constant():
    pos = torch.randn(1 + 9, 4)
    assert resize_pos_embed(pos, (3, 3), (3, 3)) is pos
    const = torch.ones(1 + 4, 4)
    out = resize_pos_embed(const, (2, 2), (5, 3))
    assert out.shape == (1 + 15, 4)
    assert torch.allclose(out, torch.ones_like(out), atol=1e-5)


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
