"""The class embedder: one text side, one cache keyed by class names."""
import pytest
import torch
import torch.nn.functional as F

from mmpretrain_mlr.models.clip import CLIPTextEncoder
from mmpretrain_mlr.models.prompts import (ClassEmbedder, CoOpPromptLearner,
                                           DualCoOpPromptLearner,
                                           FixedPromptLearner,
                                           VocabularyError)

TRAIN = ['red circle', 'blue square']


@pytest.fixture()
def text_encoder(tiny_vit_clip):
    model, tokenizer = tiny_vit_clip
    return CLIPTextEncoder(clip_model=model, tokenizer=tokenizer)


def written(text_encoder, sentences):
    """Independent reference: normalised embeddings of written sentences."""
    with torch.no_grad():
        return F.normalize(text_encoder.encode_texts(sentences), dim=-1)


def test_two_vocabularies_of_the_same_size_never_share_entries(
        text_encoder):
    embedder = ClassEmbedder(text_encoder, FixedPromptLearner(), TRAIN)
    other = ['green triangle', 'yellow star']  # same size, other names
    first = embedder(TRAIN)
    second = embedder(other)
    torch.testing.assert_close(
        first[0], written(text_encoder, [f'a photo of a {n}.' for n in TRAIN]),
        atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(
        second[0], written(text_encoder,
                           [f'a photo of a {n}.' for n in other]),
        atol=1e-5, rtol=1e-5)
    assert embedder.cached_vocabularies() == [tuple(TRAIN), tuple(other)]
    assert embedder(TRAIN) is first  # computed once per vocabulary
    # the same names in another order: another entry, columns swapped
    swapped = embedder(TRAIN[::-1])
    torch.testing.assert_close(swapped[0], first[0].flip(0))
    assert len(embedder.cached_vocabularies()) == 3


def test_a_new_vocabulary_at_call_time_with_shared_contexts(text_encoder):
    learner = DualCoOpPromptLearner(ctx_dim=text_encoder.width, n_ctx=4)
    with torch.no_grad():  # contexts set to real words
        for s, words in enumerate(('a photo of a', 'no photo of a')):
            ids = text_encoder.tokenize([words])
            learner.ctx[s] = text_encoder.embed_tokens(ids)[0, 1:5]
    embedder = ClassEmbedder(text_encoder, learner, TRAIN)
    new = ['purple hexagon', 'x', 'a very long name of a shape in a scene']
    got = embedder(new)
    assert got.shape == (2, 3, embedder.embed_dim) == (2, 3, 32)
    for s, words in enumerate(('a photo of a', 'no photo of a')):
        torch.testing.assert_close(
            got[s], written(text_encoder, [f'{words} {n}.' for n in new]),
            atol=1e-5, rtol=1e-5)
    assert embedder.open_vocabulary


def test_class_specific_contexts_refuse_another_vocabulary(text_encoder):
    learner = CoOpPromptLearner(ctx_dim=text_encoder.width, n_ctx=2,
                                class_specific=True, num_classes=2)
    embedder = ClassEmbedder(text_encoder, learner, TRAIN)
    assert not embedder.open_vocabulary
    assert embedder(TRAIN).shape == (1, 2, 32)
    with pytest.raises(VocabularyError, match='class-specific contexts.*'
                       'class_specific=False'):
        embedder(['green triangle', 'yellow star'])


def test_learnt_embeddings_cached_only_in_eval_without_gradients(
        text_encoder):
    learner = CoOpPromptLearner(ctx_dim=text_encoder.width, n_ctx=2)
    embedder = ClassEmbedder(text_encoder, learner, TRAIN)
    learner.train()
    assert embedder().requires_grad
    assert embedder.cached_vocabularies() == []
    learner.eval()
    with torch.no_grad():
        cached = embedder()
        assert embedder() is cached
        learner.ctx.add_(torch.randn_like(learner.ctx))
    # new weights through load_state_dict: the cache is emptied
    learner.load_state_dict(learner.state_dict())
    assert embedder.cached_vocabularies() == []
    with torch.no_grad():
        assert not torch.allclose(embedder(), cached)
    embedder.clear_cache(learnt_only=True)
    assert embedder.cached_vocabularies() == []


def test_a_copied_model_keeps_its_own_cache(text_encoder):
    import copy
    learner = CoOpPromptLearner(ctx_dim=text_encoder.width, n_ctx=2).eval()
    embedder = ClassEmbedder(text_encoder, learner, TRAIN)
    twin = copy.deepcopy(embedder)  # as EMA copies a model
    with torch.no_grad():
        embedder()
        twin()
    twin.prompt_learner.load_state_dict(twin.prompt_learner.state_dict())
    assert twin.cached_vocabularies() == []
    assert embedder.cached_vocabularies() == [tuple(TRAIN)]
