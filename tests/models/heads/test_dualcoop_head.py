import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from mmpretrain_mlr.models.clip import ClassifierFeatures, ImageFeatures
from mmpretrain_mlr.models.heads import DualCoOpHead


def random_feats(b=2, n=5, c=3, d=8, sets=2):
    torch.manual_seed(0)
    dense = torch.randn(b, n, d)
    text = F.normalize(torch.randn(sets, c, d), dim=-1)
    return ImageFeatures(dense.mean(1), dense), text


def test_single_token_reduces_to_cosine_difference():
    image, text = random_feats(n=1)
    logits = DualCoOpHead()(ClassifierFeatures(image, text))
    z = F.normalize(image.dense_feat[:, 0], dim=-1)
    expected = 100 * (z @ text[0].T - z @ text[1].T)
    assert torch.allclose(logits, expected, atol=1e-4)


def test_region_weights_follow_the_positive_prompt():
    image, text = random_feats(b=1, n=4, c=2)
    logits = DualCoOpHead(logit_scale=2., spatial_temperature=3.)(
        ClassifierFeatures(image, text))
    z = F.normalize(image.dense_feat[0], dim=-1)  # [N, D]
    for c in range(2):
        sim_pos, sim_neg = z @ text[0, c], z @ text[1, c]
        weights = torch.exp(3 * sim_pos) / torch.exp(3 * sim_pos).sum()
        expected = 2 * (weights * sim_pos).sum() - 2 * (weights *
                                                        sim_neg).sum()
        assert torch.allclose(logits[0, c], expected, atol=1e-5)


def test_single_prompt_set():
    image, text = random_feats(sets=1)
    assert DualCoOpHead()(ClassifierFeatures(image, text)).shape == (2, 3)


def test_learnable_scales_are_parameters():
    head = DualCoOpHead(learnable_scales=True, logit_scale=50.)
    assert [n for n, _ in head.named_parameters()] == ['scales']
    assert 'scales' in DualCoOpHead().state_dict()  # fixed: a buffer


def test_loss_and_predict():
    image, text = random_feats()
    samples = []
    for row in ([1, 0, -1], [0, 0, 1]):
        sample = DataSample()
        sample.set_field(torch.tensor(row, dtype=torch.int8), 'observed_label')
        samples.append(sample)
    head = DualCoOpHead(logit_scale=1.)  # unsaturated probabilities
    losses = head.loss(ClassifierFeatures(image, text), samples)
    logits = head(ClassifierFeatures(image, text)).double()
    # masked ASL (gamma+ 1, gamma- 2, clip 0.05) on the known entries
    # [0, 0] (+1), [0, 2] (-1), [1, 2] (+1), summed, / batch of 2
    p = torch.sigmoid(logits)
    q = (1 - p[0, 2] + 0.05).clamp(max=1)
    expected = (-(1 - p[0, 0]) * p[0, 0].log() - (1 - q)**2 * q.log() -
                (1 - p[1, 2]) * p[1, 2].log()) / 2
    assert set(losses) == {'loss_cls'}
    assert float(losses['loss_cls']) == pytest.approx(float(expected),
                                                      rel=1e-5)
    preds = head.predict(ClassifierFeatures(image, text), samples)
    # float64 sigmoids of the logits: no ties from float32 saturation
    assert preds[0].pred_score.dtype == torch.float64
    torch.testing.assert_close(preds[0].pred_score, p[0])
    assert preds[0].pred_label.tolist() == torch.nonzero(
        p[0] >= 0.5).flatten().tolist()


def test_missing_observed_labels_is_a_clear_error():
    image, text = random_feats()
    try:
        DualCoOpHead().loss(ClassifierFeatures(image, text),
                            [DataSample(), DataSample()])
    except KeyError as err:
        assert 'PackInputs' in str(err)
    else:
        raise AssertionError('expected a KeyError')
