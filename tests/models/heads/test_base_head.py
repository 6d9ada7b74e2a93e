"""The head steps of ObservedLabelHead, and what the classifier gives a
head: its vocabulary size, the text width, named features, a teacher."""
import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmpretrain_mlr  # noqa: F401
from mmpretrain_mlr.models.heads import MultiLabelPromptHead, ObservedLabelHead
from mmpretrain_mlr.models.losses import MaskedBCELoss
from tests.models.conftest import VIT_ARCH, observed_samples as samples

NAMES = ['red circle', 'blue square', 'green triangle']


@MODELS.register_module(force=True)
class CosineTestHead(ObservedLabelHead):
    """Cosine scores of the global feature against the first prompt set,
    with an extra named term and a teacher: what a method head adds."""

    needs_teacher = True

    def __init__(self, num_classes, embed_dim, **kwargs):
        super().__init__(loss=dict(type='MaskedBCELoss'),
                         activation='none', threshold=0.2, **kwargs)
        self.built_with = (num_classes, embed_dim)
        self.bias = nn.Parameter(torch.zeros(num_classes))
        self.teachers_seen = []

    def forward(self, feats):
        image = F.normalize(feats.image.global_feat, dim=-1)
        return image @ feats.text[0].T + self.bias  # [B, C]

    def _get_loss(self, outputs, targets, feats):
        losses = super()._get_loss(outputs, targets, feats)
        self.teachers_seen.append(feats.teacher)
        distance = feats.image.global_feat - feats.teacher.global_feat
        losses['loss_kd'] = distance.abs().mean()
        return losses


def build(**overrides):
    cfg = dict(type='CLIPPromptClassifier', class_names=NAMES,
               clip=dict(arch=VIT_ARCH),
               image_encoder=dict(type='CLIPImageEncoder', frozen=False),
               teacher_image_encoder=dict(type='CLIPImageEncoder'),
               prompt_learner=dict(type='FixedPromptLearner'),
               head=dict(type='CosineTestHead'))
    cfg.update(overrides)
    return MODELS.build(cfg)


def test_head_is_built_with_vocabulary_size_and_text_width():
    assert build().head.built_with == (3, VIT_ARCH['embed_dim'])


def test_subclass_adds_named_terms_and_gets_the_teacher():
    torch.manual_seed(0)
    model = build()
    images = torch.randn(2, 3, 64, 64)
    losses = model(images, samples([[1, -1, 0], [0, 1, -1]]), mode='loss')
    assert set(losses) == {'loss_cls', 'loss_kd'}
    # the teacher is the tower as loaded: equal before any update (to the
    # rounding of attention's no-grad fast path)
    assert losses['loss_kd'].item() < 1e-5
    with torch.no_grad():
        proj = model.image_encoder.visual.proj
        proj.add_(0.1 * torch.randn_like(proj))
    losses = model(images, samples([[1, -1, 0], [0, 1, -1]]), mode='loss')
    assert losses['loss_kd'].item() > 1e-3
    sum(losses.values()).backward()
    teacher = model.teacher_image_encoder
    assert not any(p.requires_grad for p in teacher.parameters())
    assert all(p.grad is None for p in teacher.parameters())
    assert model.image_encoder.visual.proj.grad.abs().sum() > 0
    model.train()
    assert not teacher.training and not teacher.visual.training


def test_teacher_runs_only_when_the_head_asks_for_it():
    model = build()
    model.head.needs_teacher = False
    with pytest.raises(AttributeError):  # the test head needs it
        model(torch.randn(1, 3, 64, 64), samples([[1, 0, 0]]), mode='loss')
    assert model.head.teachers_seen == [None]
    model.eval()
    model(torch.randn(1, 3, 64, 64), mode='predict')  # no teacher pass


def test_activation_none_keeps_cosine_scores_and_threshold_applies():
    model = build().eval()
    images = torch.randn(2, 3, 64, 64)
    preds = model(images, mode='predict')
    scores = torch.stack([p.pred_score for p in preds])
    torch.testing.assert_close(scores, model(images))
    assert scores.min() >= -1 and scores.max() <= 1
    for pred, score in zip(preds, scores):
        assert pred.pred_label.tolist() == torch.nonzero(
            score >= 0.2).flatten().tolist()


def test_unknown_activation_is_an_error():
    with pytest.raises(ValueError, match='`activation` must be one of'):
        ObservedLabelHead(loss=dict(type='MaskedBCELoss'),
                          activation='softmax')


class Linear(ObservedLabelHead):

    def __init__(self, loss):
        super().__init__(loss=loss)
        self.fc = nn.Linear(3, 2)

    def forward(self, feats):
        return self.fc(feats)


def test_loss_may_be_a_built_module_and_sample_idx_is_passed_when_carried():
    loss = MaskedBCELoss()
    head = Linear(loss)
    assert head.loss_module is loss
    data_samples = samples([[1, -1], [0, 1]])
    for i, ds in enumerate(data_samples):
        ds.set_metainfo(dict(sample_idx=10 + i))
    outputs = head.head_outputs(torch.randn(2, 3))
    targets = head._get_targets(outputs, data_samples)
    assert targets['sample_idx'].tolist() == [10, 11]
    assert 'sample_idx' not in head._get_targets(
        outputs, samples([[1, -1], [0, 1]]))


def test_confident_scores_keep_the_order_of_their_logits():
    # float32 sigmoids are exactly 1.0 from a logit of about 17 on, which
    # would tie every confident prediction (and change the mAP)
    head = Linear(dict(type='MaskedBCELoss'))
    with torch.no_grad():
        head.fc.weight.copy_(torch.eye(2, 3))
        head.fc.bias.zero_()
    logits = [[17., -30.], [20., -36.], [30., -40.], [36., -60.]]
    feats = torch.cat([torch.tensor(logits), torch.zeros(4, 1)], dim=1)
    scores = torch.stack([p.pred_score for p in head.predict(feats)])
    expected = torch.tensor([[1 / (1 + math.exp(-x)) for x in row]
                             for row in logits], dtype=torch.float64)
    assert scores.dtype == torch.float64
    torch.testing.assert_close(scores, expected, rtol=1e-15, atol=0)
    assert (scores[1:, 0] > scores[:-1, 0]).all()
    assert (scores[1:, 1] < scores[:-1, 1]).all()


def test_the_old_base_name_is_kept():
    assert MultiLabelPromptHead is ObservedLabelHead
    assert isinstance(
        MODELS.build(dict(type='DualCoOpHead')), MultiLabelPromptHead)
    ds = [DataSample(observed_label=torch.tensor([1, 0], dtype=torch.int8))]
    with pytest.raises(ValueError, match='observed labels have shape'):
        Linear(dict(type='MaskedBCELoss')).loss(torch.randn(1, 3), ds + ds)
