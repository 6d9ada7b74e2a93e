"""Partial fine-tuning and layer-wise learning-rate decay of the image
encoders (BlockwiseEncoder)."""
import pytest
import torch
from mmpretrain.engine.optimizers import \
    LearningRateDecayOptimWrapperConstructor
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401
from tests.models.conftest import TEXT_CFG, observed_samples as samples

NAMES = ['red circle', 'blue square', 'green triangle']
# ViT-B/16's depth (12 residual blocks, so 13 layer ids + the stem) at a
# test-sized width
VIT_B16_SHAPED = dict(embed_dim=32,
                      vision_cfg=dict(layers=12, width=32, head_width=16,
                                      patch_size=16, image_size=64),
                      text_cfg=TEXT_CFG)


def classifier(image_encoder, arch=VIT_B16_SHAPED, **kwargs):
    return MODELS.build(dict(
        type='CLIPPromptClassifier', class_names=NAMES,
        clip=dict(arch=arch), image_encoder=image_encoder,
        prompt_learner=dict(type='CoOpPromptLearner', n_ctx=2),
        head=dict(type='DualCoOpHead', logit_scale=1.), **kwargs))


def lr_scales(model):
    constructor = LearningRateDecayOptimWrapperConstructor(
        dict(optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05)),
        paramwise_cfg=dict(layer_decay_rate=0.65))
    return {g['param_name']: g['lr_scale']
            for g in constructor(model).optimizer.param_groups}


def test_layer_decay_reproduces_the_sigrl_scales():
    torch.manual_seed(0)
    scale = lr_scales(classifier(dict(type='CLIPImageEncoder',
                                      frozen=False)))
    prefix = 'image_encoder.visual.'
    for i in range(12):
        name = f'{prefix}transformer.resblocks.{i}.attn.in_proj_weight'
        assert scale[name] == pytest.approx(0.65**(13 - (i + 1)))
    for stem in ('conv1.weight', 'class_embedding', 'positional_embedding',
                 'ln_pre.weight'):
        assert scale[prefix + stem] == pytest.approx(0.65**13)
    for new in ('prompt_learner.ctx', f'{prefix}ln_post.weight',
                f'{prefix}proj'):
        assert scale[new] == 1.0
    # the frozen text tower is not in the optimizer at all
    assert not any(n.startswith('text_encoder') for n in scale)


def test_sigrl_recipe_optimises_blocks_10_11_and_the_new_modules_only():
    torch.manual_seed(0)
    scale = lr_scales(classifier(dict(type='CLIPImageEncoder',
                                      trainable_blocks=2)))
    layer_of = {}
    for name, value in scale.items():
        layer_of.setdefault(round(value, 12), set()).add(
            name.split('.')[4] if '.resblocks.' in name else 'other')
    assert layer_of == {round(0.65**2, 12): {'10'},
                        round(0.65, 12): {'11'}, 1.0: {'other'}}


def test_only_the_last_block_trains_and_frozen_parts_stay_in_eval():
    torch.manual_seed(0)
    model = classifier(dict(type='CLIPImageEncoder', trainable_blocks=1))
    visual = model.image_encoder.visual
    trainable = {n for n, p in visual.named_parameters() if p.requires_grad}
    assert trainable and all(
        n.startswith(('transformer.resblocks.11.', 'ln_post.', 'proj'))
        for n in trainable)
    model.train()
    assert not visual.conv1.training and not visual.ln_pre.training
    assert not visual.transformer.resblocks[10].training
    assert visual.transformer.resblocks[11].training

    before = {n: p.detach().clone() for n, p in visual.named_parameters()}
    optimizer = torch.optim.SGD(
        [p for p in model.parameters() if p.requires_grad], lr=1.0)
    losses = model(torch.randn(2, 3, 64, 64),
                   samples([[1, -1, 0], [-1, 1, 1]]), mode='loss')
    losses['loss_cls'].backward()
    optimizer.step()
    for name, param in visual.named_parameters():
        changed = not torch.equal(before[name], param)
        assert changed == (name in trainable), name


def test_resnet_stages_of_a_projected_backbone():
    torch.manual_seed(0)
    model = classifier(dict(
        type='ProjectedBackbone',
        backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
        in_channels=512, embed_dim=32, trainable_blocks=1))
    encoder = model.image_encoder
    assert encoder.get_layer_depth('backbone.conv1.weight') == (0, 6)
    assert encoder.get_layer_depth('backbone.layer2.0.conv1.weight') == (2, 6)
    assert encoder.get_layer_depth('proj.weight') == (5, 6)
    model.train()
    frozen_bn = encoder.backbone.layer3[0].bn1
    stats = frozen_bn.running_mean.clone()
    losses = model(torch.randn(2, 3, 64, 64),
                   samples([[1, -1, 0], [-1, 1, 1]]), mode='loss')
    losses['loss_cls'].backward()
    assert torch.equal(frozen_bn.running_mean, stats)  # eval mode
    assert encoder.backbone.layer3[0].conv1.weight.grad is None
    assert encoder.backbone.layer4[0].conv1.weight.grad.abs().sum() > 0
    assert encoder.proj.weight.grad.abs().sum() > 0


def test_trainable_blocks_out_of_range_is_an_error():
    with pytest.raises(ValueError, match='between 1 and the number of '
                       r'blocks \(12\), got 13'):
        classifier(dict(type='CLIPImageEncoder', trainable_blocks=13))
