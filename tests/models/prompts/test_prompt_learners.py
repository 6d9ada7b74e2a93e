import pytest
import torch
import torch.nn.functional as F

from mmpretrain_mlr.models.clip import CLIPTextEncoder
from mmpretrain_mlr.models.prompts import (ClassEmbedder, CoOpPromptLearner,
                                           DualCoOpPromptLearner,
                                           FixedPromptLearner,
                                           VocabularyError)

NAMES = ['red circle', 'dining_table', 'blue triangle']


@pytest.fixture()
def text_encoder(tiny_vit_clip):
    model, tokenizer = tiny_vit_clip
    return CLIPTextEncoder(clip_model=model, tokenizer=tokenizer)


def embed(learner, text_encoder, names, trained=NAMES):
    """Class embeddings of ``names`` through a class embedder."""
    return ClassEmbedder(text_encoder, learner, trained)(names)


def word_contexts(text_encoder, words):
    """Token embeddings of real words, to put into the context slots."""
    ids = text_encoder.tokenize([words])
    n_words = len(words.split())
    return text_encoder.embed_tokens(ids)[0, 1:1 + n_words].detach()


def test_coop_with_word_contexts_equals_the_written_prompt(text_encoder):
    learner = CoOpPromptLearner(ctx_dim=text_encoder.width, n_ctx=4)
    with torch.no_grad():
        learner.ctx.copy_(word_contexts(text_encoder, 'a photo of a')[None])
        got = embed(learner, text_encoder, NAMES)
        expected = text_encoder.encode_texts(
            [f'a photo of a {n.replace("_", " ")}.' for n in NAMES])
    assert got.shape == (1, 3, 32)
    assert torch.allclose(got[0], F.normalize(expected, dim=-1), atol=1e-5)


def test_class_specific_contexts(text_encoder):
    learner = CoOpPromptLearner(ctx_dim=text_encoder.width, n_ctx=2,
                                class_specific=True, num_classes=3)
    assert learner.ctx.shape == (1, 3, 2, text_encoder.width)
    with torch.no_grad():
        learner.ctx[0, 1] = word_contexts(text_encoder, 'a big')
        got = embed(learner, text_encoder, NAMES)
        expected = text_encoder.encode_texts(['a big dining table.'])
    assert torch.allclose(got[0, 1], F.normalize(expected[0], dim=-1),
                          atol=1e-5)
    with pytest.raises(VocabularyError, match='class-specific contexts'):
        embed(learner, text_encoder, NAMES[:2])
    # the same number of classes, other names: refused as well
    with pytest.raises(VocabularyError, match='shared contexts'):
        embed(learner, text_encoder, NAMES[::-1])
    with pytest.raises(ValueError, match='num_classes'):
        CoOpPromptLearner(ctx_dim=8, class_specific=True)


def test_dualcoop_gives_positive_and_negative_sets(text_encoder):
    learner = DualCoOpPromptLearner(ctx_dim=text_encoder.width, n_ctx=4)
    with torch.no_grad():
        learner.ctx[0] = word_contexts(text_encoder, 'a photo of a')
        learner.ctx[1] = word_contexts(text_encoder, 'no photo of a')
        got = embed(learner, text_encoder, NAMES)
        pos = text_encoder.encode_texts([f'a photo of a {NAMES[0]}.'])
        neg = text_encoder.encode_texts([f'no photo of a {NAMES[0]}.'])
    assert got.shape == (2, 3, 32)
    assert torch.allclose(got[0, 0], F.normalize(pos[0], dim=-1), atol=1e-5)
    assert torch.allclose(got[1, 0], F.normalize(neg[0], dim=-1), atol=1e-5)


def test_contexts_receive_gradients(text_encoder):
    learner = DualCoOpPromptLearner(ctx_dim=text_encoder.width, n_ctx=4,
                                    class_specific=True, num_classes=3)
    embed(learner, text_encoder, NAMES)[:, 0].sum().backward()
    grad = learner.ctx.grad
    assert grad[:, 0].abs().sum() > 0
    assert grad[:, 1:].abs().sum() == 0  # other classes' contexts unused


def test_fixed_template_ensemble_and_cache(text_encoder):
    templates = ('a photo of a {}.', 'a drawing of the {}.')
    learner = FixedPromptLearner(templates=templates)
    got = embed(learner, text_encoder, NAMES)
    with torch.no_grad():
        per_template = [
            F.normalize(text_encoder.encode_texts(
                [t.format(n.replace('_', ' ')) for n in NAMES]), dim=-1)
            for t in templates
        ]
    expected = F.normalize((per_template[0] + per_template[1]) / 2, dim=-1)
    assert torch.allclose(got[0], expected, atol=1e-5)
    assert embed(learner, text_encoder, NAMES[:2]).shape == (1, 2, 32)
    with pytest.raises(ValueError, match='exactly one'):
        FixedPromptLearner(templates=('no slot',))
