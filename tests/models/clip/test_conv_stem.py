import pytest
import torch
import torch.nn.functional as F

from mmpretrain_mlr.models.clip import CLIPImageEncoder, build_open_clip
from mmpretrain_mlr.models.clip.conv_stem import ConvPatchStem


def vit_arch(**vision):
    return dict(embed_dim=16,
                vision_cfg=dict(layers=1, width=32, head_width=16,
                                patch_size=8, image_size=64,
                                pool_type='avg', **vision),
                text_cfg=dict(context_length=8, vocab_size=100, width=16,
                              heads=2, layers=1))


def reference_stem(stem, images):
    """The stem computed by hand from its weights: per stride-2 3x3
    convolution, eval-mode batch norm (running statistics) and ReLU, then
    the 1x1 projection."""
    x = images
    convs = [m for m in stem if isinstance(m, torch.nn.Conv2d)]
    norms = [m for m in stem if isinstance(m, torch.nn.BatchNorm2d)]
    for conv, norm in zip(convs[:-1], norms):
        x = F.conv2d(x, conv.weight, None, stride=2, padding=1)
        scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
        x = (x - norm.running_mean[:, None, None]) * scale[:, None, None] \
            + norm.bias[:, None, None]
        x = x.clamp(min=0)
    return F.conv2d(x, convs[-1].weight, convs[-1].bias)


def test_stem_replaces_the_patch_embedding_on_the_same_grid():
    torch.manual_seed(0)
    model, _ = build_open_clip(arch=vit_arch(conv_stem=[4, 8, 16]))
    stem = model.visual.conv1
    assert isinstance(stem, ConvPatchStem)
    # give the norms statistics of their own so they are not identities
    with torch.no_grad():
        for m in stem.modules():
            if isinstance(m, torch.nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2.0)
                m.weight.uniform_(0.5, 1.5)
                m.bias.uniform_(-0.2, 0.2)
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        out = stem(images)
        expected = reference_stem(stem, images)
    assert out.shape == (2, 32, 8, 8)  # 64 px / patch 8, transformer width
    torch.testing.assert_close(out, expected, atol=1e-5, rtol=0)
    # the encoder's tokens: one per cell of the patchify grid
    feats = CLIPImageEncoder(clip_model=model)(images)
    assert feats.dense_feat.shape == (2, 64, 16)
    torch.testing.assert_close(feats.global_feat, model.encode_image(images),
                               atol=1e-5, rtol=0)


def test_stem_weights_round_trip_through_a_checkpoint(tmp_path):
    torch.manual_seed(0)
    model, _ = build_open_clip(arch=vit_arch(conv_stem=[4, 8, 16]))
    file = tmp_path / 'clip.pth'
    torch.save(model.state_dict(), file)
    torch.manual_seed(1)
    loaded, _ = build_open_clip(arch=vit_arch(conv_stem=[4, 8, 16]),
                                pretrained=str(file))
    images = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(loaded.encode_image(images),
                                   model.encode_image(images), atol=0,
                                   rtol=0)


def test_stem_depth_must_match_the_patch_size():
    with pytest.raises(ValueError, match=r'conv_stem=\[4, 8\].*patch_size=8'):
        build_open_clip(arch=vit_arch(conv_stem=[4, 8]))


def test_stem_on_a_resnet_tower_is_refused():
    arch = dict(embed_dim=16,
                vision_cfg=dict(layers=[1, 1, 1, 1], width=8, head_width=8,
                                image_size=64, conv_stem=[4, 8, 16]),
                text_cfg=dict(context_length=8, vocab_size=100, width=16,
                              heads=2, layers=1))
    with pytest.raises(ValueError, match='only a ViT tower'):
        build_open_clip(arch=arch)
