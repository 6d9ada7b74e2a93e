"""What a training step of the prompt classifier keeps and recomputes: a
frozen image tower stores nothing for backward while the trained parts get
gradients; the text side runs once per step, or once per vocabulary when
it has nothing to train, and its cache stays float32 under autocast."""
from collections import Counter

import pytest
import torch
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401
from tests.models.conftest import RN_ARCH, VIT_ARCH, observed_samples

NAMES = ['red circle', 'blue square', 'green triangle']
LABELS = [[1, 0, -1], [0, 1, -1]]


def build(arch, **overrides):
    torch.manual_seed(0)
    # logit scale 1: unsaturated scores, so every trained part gets a
    # non-zero gradient
    cfg = dict(type='CLIPPromptClassifier', class_names=NAMES,
               clip=dict(arch=arch),
               prompt_learner=dict(type='DualCoOpPromptLearner', n_ctx=4),
               head=dict(type='DualCoOpHead', logit_scale=1.))
    cfg.update(overrides)
    return MODELS.build(cfg).train()


def saved_per_module(model, names, step):
    """Tensors autograd saves for backward while each named submodule
    runs (innermost one counted), during ``step()``."""
    running, counts, handles = [], Counter(), []

    def leave(module, args, out):
        running.pop()  # (returns None: the output stays as it is)

    for name in names:
        module = model.get_submodule(name)
        handles += [
            module.register_forward_pre_hook(
                lambda m, args, name=name: running.append(name)),
            module.register_forward_hook(leave)]

    def pack(tensor):
        counts[running[-1] if running else 'outside'] += 1
        return tensor

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        step()
    for handle in handles:
        handle.remove()
    return counts


def loss_step(model):
    images = torch.randn(2, 3, 64, 64)
    losses = model(images, observed_samples(LABELS), mode='loss')
    return sum(v for k, v in losses.items() if k.startswith('loss'))


@pytest.mark.parametrize('arch', [RN_ARCH, VIT_ARCH], ids=['rn', 'vit'])
def test_frozen_image_tower_saves_nothing_for_backward(arch):
    model = build(arch)
    losses = []
    counts = saved_per_module(model, ['image_encoder'],
                              lambda: losses.append(loss_step(model)))
    assert counts['image_encoder'] == 0
    assert counts['outside'] > 0  # the counting sees the trained parts
    losses[0].backward()
    assert model.prompt_learner.ctx.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.image_encoder.parameters())


def test_partly_trained_tower_saves_only_in_its_trained_blocks():
    model = build(RN_ARCH, image_encoder=dict(type='CLIPImageEncoder',
                                              trainable_blocks=1))
    frozen = [f'image_encoder.{name}'
              for name in model.image_encoder._frozen_modules]
    assert 'image_encoder.visual.layer3' in frozen
    trained = 'image_encoder.visual.layer4'
    losses = []
    counts = saved_per_module(model, frozen + [trained],
                              lambda: losses.append(loss_step(model)))
    assert all(counts[name] == 0 for name in frozen), counts
    assert counts[trained] > 0
    losses[0].backward()
    layer4 = model.image_encoder.visual.layer4
    # (CLIP starts each block's last norm at zero weight, so the block's
    # earlier weights get zero gradients in the first step)
    assert all(p.grad is not None for p in layer4.parameters())
    assert sum(p.grad.abs().sum() for p in layer4.parameters()) > 0
    layer3 = model.image_encoder.visual.layer3
    assert all(p.grad is None for p in layer3.parameters())


def count_calls(module):
    calls = []
    module.register_forward_pre_hook(lambda m, args: calls.append(1))
    return calls


def test_learned_prompts_run_once_per_training_step():
    model = build(RN_ARCH)
    calls = count_calls(model.prompt_learner)
    loss_step(model)
    assert len(calls) == 1
    loss_step(model)
    assert len(calls) == 2


def test_fixed_prompts_run_once_per_vocabulary_and_stay_float32():
    model = build(RN_ARCH, prompt_learner=dict(type='FixedPromptLearner'))
    text_calls = count_calls(model.prompt_learner)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        under_autocast = model.text_features(NAMES)
        loss_step(model)
        loss_step(model)
    assert len(text_calls) == 1
    assert under_autocast.dtype == torch.float32
    model.class_embedder.clear_cache()
    with torch.no_grad():
        exact = model.text_features(NAMES)
    assert torch.equal(under_autocast, exact)
