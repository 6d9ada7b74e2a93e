import pytest
import torch
import torch.nn.functional as F

from mmpretrain_mlr.models.clip import CLIPTextEncoder

SENTENCES = ['a photo of a red circle.', 'X X X X dining table.',
             'there is a blue triangle in the scene.']


def test_encode_texts_equals_open_clip(tiny_vit_clip):
    model, tokenizer = tiny_vit_clip
    encoder = CLIPTextEncoder(clip_model=model, tokenizer=tokenizer)
    with torch.no_grad():
        expected = model.encode_text(tokenizer(SENTENCES))
        got = encoder.encode_texts(SENTENCES)
    assert torch.allclose(got, expected, atol=1e-5)


def test_truncated_equals_full_context_with_gradients(tiny_vit_clip):
    model, tokenizer = tiny_vit_clip
    full = CLIPTextEncoder(clip_model=model, tokenizer=tokenizer,
                           truncate=False)
    short = CLIPTextEncoder(clip_model=model, tokenizer=tokenizer,
                            truncate=True)
    ids = tokenizer(SENTENCES)
    eot = ids.argmax(-1)
    assert int(eot.max()) + 1 < ids.shape[1]  # truncation really happens
    ctx = torch.randn(len(SENTENCES), 4, full.width) * 0.02
    outputs, grads = [], []
    for encoder in (full, short):
        ctx_leaf = ctx.clone().requires_grad_(True)
        embeds = encoder.embed_tokens(ids).detach()
        prompts = torch.cat([embeds[:, :1], ctx_leaf, embeds[:, 5:]], dim=1)
        out = encoder(prompts, eot)
        # the class embeddings are used L2-normalised, as prompt learners do
        weights = torch.linspace(-1, 1, out.shape[-1])
        (F.normalize(out, dim=-1) * weights).sum().backward()
        outputs.append(out.detach())
        grads.append(ctx_leaf.grad)
    assert (outputs[0] - outputs[1]).abs().max() <= 1e-5
    assert (grads[0] - grads[1]).abs().max() <= 1e-5
    assert grads[0].abs().sum() > 0


def test_frozen_and_eval(tiny_vit_clip):
    model, tokenizer = tiny_vit_clip
    encoder = CLIPTextEncoder(clip_model=model, tokenizer=tokenizer)
    encoder.train()
    assert not encoder.training
    assert not any(p.requires_grad for p in encoder.parameters())


def test_needs_clip_source():
    with pytest.raises(ValueError, match='clip_model'):
        CLIPTextEncoder()
