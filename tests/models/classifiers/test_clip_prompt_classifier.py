import pytest
import torch
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401
from tests.models.conftest import VIT_ARCH, observed_samples as samples

NAMES = ['red circle', 'blue square', 'green triangle']


def build(**overrides):
    cfg = dict(type='CLIPPromptClassifier', class_names=NAMES,
               clip=dict(arch=VIT_ARCH),
               prompt_learner=dict(type='DualCoOpPromptLearner', n_ctx=4))
    cfg.update(overrides)
    return MODELS.build(cfg)


def test_only_prompts_train_and_loss_reaches_them():
    torch.manual_seed(0)
    # an unsaturated scale: at s = 100 random features give p in {0, 1},
    # where the focusing weights (rightly) zero the gradient
    model = build(head=dict(type='DualCoOpHead', logit_scale=1.))
    trainable = [n for n, p in model.named_parameters() if p.requires_grad]
    assert trainable == ['prompt_learner.ctx']
    images = torch.randn(2, 3, 64, 64)
    losses = model(images, samples([[1, 0, -1], [0, 1, 0]]), mode='loss')
    losses['loss_cls'].backward()
    assert model.prompt_learner.ctx.grad.abs().sum() > 0


def test_predict_and_tensor_modes_agree():
    model = build().eval()
    images = torch.randn(2, 3, 64, 64)
    logits = model(images)
    preds = model(images, mode='predict')
    assert logits.shape == (2, 3)
    torch.testing.assert_close(preds[1].pred_score,
                               torch.sigmoid(logits[1].double()))
    with pytest.raises(RuntimeError, match='Invalid mode'):
        model(images, mode='train')


def test_open_vocabulary_prediction():
    torch.manual_seed(0)
    test_names = ['yellow star', 'red circle']
    model = build(test_class_names=test_names).eval()
    # the same weights, trained on the test vocabulary itself
    direct = build(class_names=test_names).eval()
    direct.load_state_dict(model.state_dict())
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        scores = torch.stack([
            p.pred_score for p in model(images, mode='predict')])
        expected = direct(images)  # [B, 2] logits
        train_logits = model(images)  # [B, 3] over NAMES
    torch.testing.assert_close(scores, torch.sigmoid(expected.double()))
    # 'red circle' is in both vocabularies: the same logit
    torch.testing.assert_close(expected[:, 1], train_logits[:, 0])


def test_mmpretrain_backbone_replaces_clip_image_encoder():
    model = build(
        image_encoder=dict(
            type='ProjectedBackbone',
            backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
            in_channels=512, embed_dim=32),
        prompt_learner=dict(type='FixedPromptLearner'))
    assert not hasattr(model.image_encoder, 'visual')
    images = torch.randn(2, 3, 64, 64)
    losses = model(images, samples([[1, -1, 0], [-1, 1, 1]]), mode='loss')
    losses['loss_cls'].backward()
    assert model.image_encoder.proj.weight.grad.abs().sum() > 0


def test_label_width_mismatch_is_a_clear_error():
    model = build()
    with pytest.raises(ValueError, match='vocabulary'):
        model(torch.randn(1, 3, 64, 64), samples([[1, 0]]), mode='loss')


def test_empty_vocabulary_rejected():
    with pytest.raises(ValueError, match='class_names'):
        build(class_names=[])


def test_vocabulary_from_file_or_dataset_type(tmp_path):
    names = tmp_path / 'unseen.txt'
    names.write_text('yellow star\nred circle\n')
    model = build(class_names='ShapesMultiLabel', test_class_names=str(names))
    assert model.class_names == list(
        mmpretrain_mlr.datasets.SHAPES_CLASSES)
    assert model.test_class_names == ['yellow star', 'red circle']
    with pytest.raises(FileNotFoundError,
                       match="class_names file '.*nothing.txt' does not"):
        build(class_names=str(tmp_path / 'nothing.txt'))


def test_vocabulary_from_a_dataset_config():
    """A dataset config gives its class names (here a rendered dataset)."""
    spec = dict(type='ShapesMultiLabel', num_images=4,
                classes=['red circle', 'blue square'])
    assert build(class_names=spec).class_names == ['red circle',
                                                   'blue square']


def test_eval_text_features_computed_once_per_vocabulary():
    # logit scale 1: unsaturated scores, so changed contexts show
    model = build(test_class_names=['yellow star', 'red circle'],
                  head=dict(type='DualCoOpHead', logit_scale=1.))
    calls = []
    model.prompt_learner.register_forward_hook(
        lambda module, args, out: calls.append(out.shape[1]))
    images = torch.randn(2, 3, 64, 64)
    model.eval()
    with torch.no_grad():
        first = model(images, mode='predict')
        second = model(images, mode='predict')
    assert calls == [2]  # the test vocabulary, once
    assert model.class_embedder.cached_vocabularies() == [
        ('yellow star', 'red circle')]
    torch.testing.assert_close(first[0].pred_score, second[0].pred_score)
    # New weights or train mode: recomputed, and the new contexts count.
    with torch.no_grad():
        ctx = model.prompt_learner.ctx
        ctx.add_(torch.randn_like(ctx))  # (a constant shift would vanish
        # in the text tower's first LayerNorm)
    model.load_state_dict(model.state_dict())
    with torch.no_grad():
        third = model(images, mode='predict')
    assert len(calls) == 2
    assert not torch.allclose(first[0].pred_score, third[0].pred_score)
    model.train()
    model(images, samples([[1, 0, 0], [0, 1, 0]]), mode='loss')
    model(images, samples([[1, 0, 0], [0, 1, 0]]), mode='loss')
    assert len(calls) == 4  # training never caches


def test_closed_vocabulary_models_refuse_other_vocabularies_before_scoring():
    from mmpretrain_mlr.models.prompts import VocabularyError
    csc = dict(type='DualCoOpPromptLearner', n_ctx=4, class_specific=True)
    open_model = build()
    assert open_model.open_vocabulary
    closed = build(prompt_learner=csc)
    assert not closed.open_vocabulary
    images = torch.randn(1, 3, 64, 64)
    with pytest.raises(VocabularyError, match='class-specific contexts'):
        closed.extract_feat(images, ['yellow star', 'red circle', 'x'])
    # refused when built, not at the first test batch
    with pytest.raises(VocabularyError, match='test_class_names'):
        build(prompt_learner=csc, test_class_names=['yellow star'])
    with pytest.raises(VocabularyError, match='test_vocabularies.zsl'):
        build(prompt_learner=csc, test_vocabularies=dict(zsl=['x']))
    trm = build(prompt_learner=dict(type='FixedPromptLearner'),
                head=dict(type='TRMHead', region_attention=dict(num_heads=2)))
    assert not trm.open_vocabulary
    with pytest.raises(VocabularyError, match='TRMHead.*per-class'):
        trm.text_features(['yellow star'])


def test_heads_get_the_class_embeddings_when_the_classifier_is_built():
    import torch.nn.functional as F
    model = build(prompt_learner=dict(type='FixedPromptLearner'),
                  head=dict(type='TRMHead',
                            region_attention=dict(num_heads=2)))
    # before any forward: the queries are the training classes' prompts
    tokenizer_model = model.text_encoder
    with torch.no_grad():
        expected = F.normalize(tokenizer_model.encode_texts(
            [f'a photo of a {n}.' for n in NAMES]), dim=-1)
    torch.testing.assert_close(model.head.region_attention.queries.detach(),
                               expected, atol=1e-5, rtol=1e-5)
    assert bool(model.head.queries_ready)
