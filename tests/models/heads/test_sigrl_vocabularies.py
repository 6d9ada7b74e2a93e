"""SigRL's scores depend on the whole vocabulary (the label graph and the
per-image normalisation over classes), so a zero-shot vocabulary must be
scored on its own: ``pred_score_zsl`` is checked against a computation on
the unseen names alone (their own text features, graph and normalisation),
which the unseen columns of the joint (GZSL) scoring do not give."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401  (registers the components)
from tests.models.conftest import VIT_ARCH

SEEN = ['red circle', 'blue square', 'green triangle', 'yellow star']
UNSEEN = ['purple circle', 'orange square', 'white triangle']
TOPK = 4


def sigrl_scores(model, images, names):
    """SigRL's rule on one vocabulary, composed here from the head's
    layers: local = mean of the top-k patch scores of the reconstructed
    patches, global = <g, E>, each L2-normalised over this vocabulary's
    classes per image, averaged."""
    head = model.head
    with torch.no_grad():
        image = model.image_encoder(images)
        embeds = model.class_embedder(names)[0]  # [C, D]
        graph = head.graph(embeds)  # the graph over these names only
        patches = head.reconstruction(image.dense_feat, embeds, graph)
        local = (patches @ embeds.T).topk(TOPK, dim=1).values.mean(1)
        glob = image.global_feat @ embeds.T
        return (F.normalize(local, dim=-1) + F.normalize(glob, dim=-1)) / 2


@pytest.fixture(scope='module')
def scored():
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='CLIPPromptClassifier', class_names=SEEN,
        test_class_names=SEEN + UNSEEN, test_vocabularies=dict(zsl=UNSEEN),
        clip=dict(arch=VIT_ARCH, quick_gelu=True),
        prompt_learner=dict(type='FixedPromptLearner'),
        head=dict(type='SigRLHead', topk=TOPK, distillation_weight=0.)))
    model.eval()
    images = torch.randn(3, 3, 64, 64)
    with torch.no_grad():
        outputs = model(images, mode='predict')
    return model, images, outputs


def test_zsl_scores_are_the_unseen_vocabulary_scored_alone(scored):
    model, images, outputs = scored
    zsl = torch.stack([o.pred_score_zsl for o in outputs])
    expected = sigrl_scores(model, images, UNSEEN)
    assert zsl.shape == (3, len(UNSEEN))
    torch.testing.assert_close(zsl, expected, atol=1e-5, rtol=0)
    # the unseen columns of the joint scoring are other numbers: a ZSL
    # taken from them would fail the comparison above
    joint = torch.stack([o.pred_score for o in outputs])[:, len(SEEN):]
    assert (joint - expected).abs().max() > 1e-2


def test_gzsl_scores_are_all_classes_scored_together(scored):
    model, images, outputs = scored
    joint = torch.stack([o.pred_score for o in outputs])
    torch.testing.assert_close(
        joint, sigrl_scores(model, images, SEEN + UNSEEN), atol=1e-5,
        rtol=0)
