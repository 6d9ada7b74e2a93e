"""A shared prompt prefix encoded once (CLIPTextEncoder.encode_shared_prefix)
gives the same class embeddings and context gradients as encoding every
prompt whole."""
import open_clip
import pytest
import torch

from mmpretrain_mlr.models.clip import CLIPTextEncoder
from tests.models.conftest import TEXT_CFG, VIT_ARCH

# one class; names of 1 to 14 tokens; the last longer than the contexts
VOCABULARIES = [
    ['cat'],
    ['x', 'dining table', 'the quick brown fox jumps over the lazy dog '
     'twice in a small garden today'],
]
N_CTX = 5


def clip_tower():
    """open_clip's CLIP: the text modules on the model, projection a
    matrix, QuickGELU."""
    torch.manual_seed(0)
    return open_clip.CLIP(**VIT_ARCH, quick_gelu=True)


def custom_text_tower():
    """open_clip's CustomTextCLIP: a TextTransformer at ``model.text``,
    projection an nn.Linear with bias, LayerScale in the blocks."""
    torch.manual_seed(1)
    text_cfg = dict(TEXT_CFG, proj_bias=True, ls_init_value=0.5)
    return open_clip.CustomTextCLIP(embed_dim=32,
                                    vision_cfg=VIT_ARCH['vision_cfg'],
                                    text_cfg=text_cfg)


@pytest.fixture(scope="module", params=[clip_tower, custom_text_tower],
                ids=['CLIP', 'CustomTextCLIP'])
def tower(request):
    return request.param(), open_clip.SimpleTokenizer()


def prompts_of(encoder, names):
    ids = encoder.tokenize([' '.join(['X'] * N_CTX) + f' {n}.'
                            for n in names])
    return ids, encoder.embed_tokens(ids).detach(), ids.argmax(-1)


@pytest.mark.parametrize('names', VOCABULARIES, ids=['one', 'odd'])
def test_values_and_context_gradients_equal_the_full_encoding(tower, names):
    model, tokenizer = tower
    encoder = CLIPTextEncoder(clip_model=model, tokenizer=tokenizer,
                              truncate=False)
    assert encoder.supports_shared_prefix
    ids, embeds, eot = prompts_of(encoder, names)
    sets, num = 2, len(names)
    ctx = torch.randn(sets, N_CTX, encoder.width) * 0.5
    weights = torch.randn(sets, num, encoder.embed_dim)

    # reference: every prompt whole, 77 tokens, through forward()
    ctx_full = ctx.clone().requires_grad_(True)
    whole = torch.cat([
        embeds[None, :, :1].expand(sets, -1, -1, -1),
        ctx_full[:, None].expand(-1, num, -1, -1),
        embeds[None, :, 1 + N_CTX:].expand(sets, -1, -1, -1)], dim=2)
    expected = encoder(whole.flatten(0, 1), eot.repeat(sets)).view(
        sets, num, -1)
    (expected * weights).sum().backward()

    ctx_new = ctx.clone().requires_grad_(True)
    prefix = torch.cat([embeds[:1, :1].expand(sets, -1, -1), ctx_new], 1)
    got = encoder.encode_shared_prefix(prefix, embeds[:, 1 + N_CTX:],
                                       eot - N_CTX)
    (got * weights).sum().backward()

    assert got.shape == (sets, num, encoder.embed_dim)
    assert (got - expected).abs().max() <= 1e-5 * max(
        1., float(expected.detach().abs().max()))
    relative = (ctx_new.grad - ctx_full.grad).norm() / ctx_full.grad.norm()
    assert relative <= 1e-5
    assert ctx_full.grad.abs().sum() > 0


def test_word_contexts_equal_open_clip_on_the_written_sentences(tower):
    """Independent of this package's forward(): contexts set to real words
    give open_clip's own encode_text of the written prompts."""
    model, tokenizer = tower
    encoder = CLIPTextEncoder(clip_model=model, tokenizer=tokenizer)
    names = VOCABULARIES[1]
    ids, embeds, eot = prompts_of(encoder, names)
    words = encoder.embed_tokens(encoder.tokenize(['a photo of a big']))[
        :, 1:1 + N_CTX]  # [1, 5, W]
    prefix = torch.cat([embeds[:1, :1], words], dim=1)
    with torch.no_grad():
        got = encoder.encode_shared_prefix(prefix, embeds[:, 1 + N_CTX:],
                                           eot - N_CTX)[0]
        expected = model.encode_text(
            tokenizer([f'a photo of a big {n}.' for n in names]))
    torch.testing.assert_close(got, expected, atol=1e-5, rtol=1e-5)


def test_unsupported_blocks_fall_back_to_whole_prompts(tower):
    model, tokenizer = tower
    encoder = CLIPTextEncoder(clip_model=model, tokenizer=tokenizer)
    ids, embeds, eot = prompts_of(encoder, VOCABULARIES[1])
    prefix = embeds[:1, :1 + N_CTX]
    with torch.no_grad():
        fast = encoder.encode_shared_prefix(prefix, embeds[:, 1 + N_CTX:],
                                            eot - N_CTX)
        encoder.transformer.grad_checkpointing = True
        try:
            assert not encoder.supports_shared_prefix
            slow = encoder.encode_shared_prefix(
                prefix, embeds[:, 1 + N_CTX:], eot - N_CTX)
        finally:
            encoder.transformer.grad_checkpointing = False
    torch.testing.assert_close(fast, slow, atol=1e-5, rtol=1e-5)


def test_prompts_longer_than_the_context_are_refused(tower):
    model, tokenizer = tower
    encoder = CLIPTextEncoder(clip_model=model, tokenizer=tokenizer)
    prefix = torch.zeros(1, 70, encoder.width)
    with pytest.raises(ValueError, match='context length 77'):
        encoder.encode_shared_prefix(prefix, torch.zeros(1, 10, encoder.width),
                                     torch.tensor([10]))
