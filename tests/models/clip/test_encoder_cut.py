"""Encoders cut in two for a feature cache: the frozen part
(``forward_to``) then the rest (``forward_from``) is the whole forward, at
every cut; the state a cut depends on is the frozen part's."""
import pytest
import torch

from mmpretrain_mlr.models.clip import CLIPImageEncoder, ProjectedBackbone


@pytest.mark.parametrize('clip_fixture', ['tiny_vit_clip', 'tiny_rn_clip'])
def test_every_cut_gives_the_whole_forward(clip_fixture, request):
    model, _ = request.getfixturevalue(clip_fixture)
    encoder = CLIPImageEncoder(clip_model=model)
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        whole = encoder(images)
        # the global feature is open_clip's own image embedding
        torch.testing.assert_close(whole.global_feat,
                                   model.encode_image(images))
        num_blocks = len(encoder.layer_groups()[0])
        for depth in [None, *range(num_blocks + 1)]:
            cut = encoder.forward_to(images, depth)
            rest = encoder.forward_from(cut, depth)
            torch.testing.assert_close(rest.global_feat, whole.global_feat)
            torch.testing.assert_close(rest.dense_feat, whole.dense_feat)


def test_a_vit_cut_holds_the_tokens_after_its_blocks(tiny_vit_clip):
    model, _ = tiny_vit_clip
    encoder = CLIPImageEncoder(clip_model=model)
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        cut = encoder.forward_to(images, 1)
        # by hand: patch embedding, class token, positions, ln_pre, block 0
        v = model.visual
        x = v.conv1(images).flatten(2).transpose(1, 2)
        x = torch.cat([v.class_embedding.expand(2, 1, -1), x], dim=1)
        x = v.ln_pre(x + v.positional_embedding)
        x = v.transformer.resblocks[0](x)
    assert cut.shape == (2, 1 + 8 * 8, 64)
    torch.testing.assert_close(cut, x)


def test_the_cut_state_leaves_out_the_trained_part(tiny_vit_clip):
    model, _ = tiny_vit_clip
    encoder = CLIPImageEncoder(clip_model=model, trainable_blocks=1)
    assert encoder.frozen_depth() == 1
    names = {name for name, _ in encoder.frozen_part_state(1)}
    assert 'visual.conv1.weight' in names
    assert any(n.startswith('visual.transformer.resblocks.0.') for n in names)
    assert not any(n.startswith('visual.transformer.resblocks.1.')
                   or n.startswith('visual.ln_post') or n == 'visual.proj'
                   for n in names)
    whole = {name for name, _ in encoder.frozen_part_state(None)}
    assert 'visual.proj' in whole and 'visual.ln_post.weight' in whole


def test_frozen_depth_of_each_setting(tiny_rn_clip):
    model, _ = tiny_rn_clip
    assert CLIPImageEncoder(clip_model=model).frozen_depth() is None
    assert CLIPImageEncoder(clip_model=model,
                            trainable_blocks=3).frozen_depth() == 1
    with pytest.raises(ValueError, match='no frozen part'):
        CLIPImageEncoder(clip_model=model, frozen=False).frozen_depth()


def test_projected_backbone_caches_the_backbone_map():
    encoder = ProjectedBackbone(
        backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
        in_channels=512, embed_dim=16, frozen=True)
    encoder.eval()
    images = torch.randn(2, 3, 64, 64)
    depth = encoder.frozen_depth()
    assert depth == 4  # the projection trains: the backbone is the cut
    with torch.no_grad():
        cut = encoder.forward_to(images, depth)
        torch.testing.assert_close(cut, encoder.backbone(images)[-1])
        whole = encoder(images)
        rest = encoder.forward_from(cut, depth)
    torch.testing.assert_close(rest.dense_feat, whole.dense_feat)
    assert not any(n.startswith('proj') for n, _ in
                   encoder.frozen_part_state(depth))
    with pytest.raises(NotImplementedError, match='cannot stop after 2'):
        encoder.forward_to(images, 2)
