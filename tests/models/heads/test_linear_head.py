"""ObservedLabelLinearHead under mmpretrain's ImageClassifier."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401
from tests.models.conftest import observed_samples as samples


def build(loss=dict(type='AssumeNegativeLoss')):
    return MODELS.build(dict(
        type='ImageClassifier',
        backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='ObservedLabelLinearHead', num_classes=3,
                  in_channels=512, loss=loss)))


def test_loss_is_assume_negative_bce_on_the_linear_logits():
    torch.manual_seed(0)
    model = build()
    model.init_weights()
    images = torch.randn(2, 3, 64, 64)
    observed = [[1, 0, 0], [0, 0, 1]]
    losses = model(images, samples(observed), mode='loss')
    logits = model.head.fc(model.extract_feat(images)[-1])
    # AN: every unknown entry is a negative; mean BCE over all B x C entries.
    targets = torch.tensor(observed, dtype=torch.float).clamp(min=0)
    expected = F.binary_cross_entropy_with_logits(logits, targets)
    torch.testing.assert_close(losses['loss_cls'], expected)
    losses['loss_cls'].backward()
    assert model.backbone.conv1.weight.grad.abs().sum() > 0


def test_predict_fills_scores():
    torch.manual_seed(0)
    model = build().eval()
    images = torch.randn(2, 3, 64, 64)
    out = model(images, mode='predict')
    with torch.no_grad():
        logits = model.head.fc(model.extract_feat(images)[-1])  # [B, C]
    scores = torch.stack([sample.pred_score for sample in out])
    torch.testing.assert_close(scores, 1 / (1 + torch.exp(-logits.double())))
    for sample, row in zip(out, logits):
        assert sample.pred_label.tolist() == torch.nonzero(
            row >= 0).flatten().tolist()


def test_bad_sizes_rejected():
    with pytest.raises(ValueError, match='num_classes and in_channels'):
        MODELS.build(dict(type='ObservedLabelLinearHead', num_classes=0,
                          in_channels=8))
