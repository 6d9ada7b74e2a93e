"""ContrastiveCLIP: one training step of both towers on captions."""
import torch
import torch.nn.functional as F
from mmpretrain.registry import DATASETS, MODELS

import mmpretrain_mlr  # noqa: F401

ARCH = dict(embed_dim=32,
            vision_cfg=dict(layers=[1, 1, 1, 1], width=16, head_width=16,
                            image_size=64),
            text_cfg=dict(context_length=77, vocab_size=49408, width=32,
                          heads=2, layers=1))


def build(**kwargs):
    torch.manual_seed(0)
    return MODELS.build(dict(
        type='ContrastiveCLIP', clip=dict(arch=ARCH),
        data_preprocessor=dict(mean=[127.5] * 3, std=[64.] * 3,
                               to_rgb=True), **kwargs))


def batch(model, n=6):
    dataset = DATASETS.build(dict(
        type='ShapesCaptions', num_images=n, pipeline=[
            dict(type='PackInputs', algorithm_keys=('caption', ))]))
    items = [dataset[i] for i in range(n)]
    return model.data_preprocessor(
        dict(inputs=[it['inputs'] for it in items],
             data_samples=[it['data_samples'] for it in items]),
        training=True)


def test_trimmed_captions_equal_open_clip_full_context():
    model = build().eval()
    captions = ['a red circle', 'there is two blue squares and a green '
                'triangle.']
    tokens = model.tokenizer(captions)
    with torch.no_grad():
        expected = model.clip.encode_text(tokens)  # all 77 positions
        got = model.encode_captions(captions)
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_one_step_trains_both_towers_and_the_temperature():
    model = build()
    data = batch(model)
    losses = model(**data, mode='loss')
    assert set(losses) == {'loss_con', 'logit_scale'}
    assert torch.isfinite(losses['loss_con'])
    losses['loss_con'].backward()
    clip = model.clip
    for param in (clip.visual.conv1.weight, clip.visual.attnpool.c_proj.weight,
                  clip.token_embedding.weight,
                  clip.transformer.resblocks[0].attn.in_proj_weight,
                  clip.logit_scale):
        assert param.grad is not None and param.grad.abs().sum() > 0


def test_repeated_captions_are_matches():
    model = build()
    data = batch(model, 4)
    captions = ['a red circle', 'a blue square', 'a red circle',
                'a green triangle']
    for sample, caption in zip(data['data_samples'], captions):
        sample.caption = caption
    aware = model(**data, mode='loss')['loss_con']
    plain = build(false_negative_aware=False)(**data, mode='loss')['loss_con']
    images, texts = model.encode(data['inputs'], captions)
    logits = model.clip.logit_scale.exp() * images @ texts.t()
    # samples 0 and 2 share a caption: half of each one's target is the other
    target = torch.tensor([[.5, 0., .5, 0.], [0., 1., 0., 0.],
                           [.5, 0., .5, 0.], [0., 0., 0., 1.]])
    expected = (F.cross_entropy(logits, target) +
                F.cross_entropy(logits.t(), target)) / 2
    torch.testing.assert_close(aware, expected)
    diagonal = torch.arange(4)
    torch.testing.assert_close(
        plain, (F.cross_entropy(logits, diagonal) +
                F.cross_entropy(logits.t(), diagonal)) / 2)
