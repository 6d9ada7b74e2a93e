"""TRM-ML: region attention, text-region logits, pseudo-labels, and the
head's state."""
import math

import pytest
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmpretrain_mlr  # noqa: F401
from mmpretrain_mlr.models.clip import ClassifierFeatures, ImageFeatures
from mmpretrain_mlr.models.heads import TRMHead
from mmpretrain_mlr.models.layers import CategoryRegionAttention

B, C, N, D = 3, 4, 6, 8


def features(sets=1, seed=0):
    gen = torch.Generator().manual_seed(seed)
    dense = torch.randn(B, N, D, generator=gen)
    text = F.normalize(torch.randn(sets, C, D, generator=gen), dim=-1)
    return ClassifierFeatures(ImageFeatures(dense.mean(1), dense), text)


def samples(observed, gt=None):
    out = []
    for i, row in enumerate(observed):
        ds = DataSample(observed_label=torch.tensor(row, dtype=torch.int8))
        if gt is not None:
            ds.set_gt_label(gt[i])
        out.append(ds)
    return out


def head(**kwargs):
    """A head given the class texts of ``features()``, as the classifier
    gives its vocabulary's embeddings when it is built."""
    kwargs.setdefault('region_attention', dict(num_heads=2))
    model = TRMHead(num_classes=C, embed_dim=D, **kwargs)
    model.init_from_class_embeddings(features().text)
    return model


def test_region_attention_starts_as_pooling_of_the_dense_tokens():
    torch.manual_seed(0)
    attention = CategoryRegionAttention(C, D, num_heads=2)
    tokens = torch.randn(B, N, D)
    regions, weights = attention(tokens, need_weights=True)
    assert regions.shape == (B, C, D) and weights.shape == (B, C, N)
    # independent re-computation: per head h, softmax over tokens of
    # <LN(q)_h, LN(F)_h> / sqrt(d_h), applied to the raw tokens' slice h
    block = attention.blocks[0]
    q = F.layer_norm(attention.queries, (D, ))  # LN weights start at 1, 0
    k = F.layer_norm(tokens, (D, ))
    expected, mean_weights = [], 0
    for h in range(2):
        sl = slice(h * D // 2, (h + 1) * D // 2)
        w = torch.softmax(
            torch.einsum('cd,bnd->bcn', q[:, sl], k[..., sl]) /
            math.sqrt(D // 2), dim=-1)  # [B, C, N]
        expected.append(w @ tokens[..., sl])
        mean_weights = mean_weights + w / 2
    torch.testing.assert_close(regions, torch.cat(expected, dim=-1))
    torch.testing.assert_close(weights, mean_weights)
    assert block.mlp[-1].weight.abs().sum() == 0


def test_logits_are_scaled_centred_cosines_and_queries_start_from_text():
    model = head(logit_scale=10.)
    feats = features()
    outputs = model.head_outputs(feats)
    torch.testing.assert_close(model.region_attention.queries, feats.text[0])
    regions = F.normalize(outputs['regions'], dim=-1)
    cos = regions @ feats.text[0].T  # [B, C, C']: region c vs text c'
    expected = 10 * (torch.diagonal(cos, dim1=1, dim2=2) - cos.mean(-1))
    torch.testing.assert_close(outputs['logits'], expected)
    assert outputs['logits'].shape == (B, C)
    uncentred = head(logit_scale=10., centre_logits=False)
    torch.testing.assert_close(
        uncentred(feats), 10 * torch.diagonal(
            F.normalize(uncentred.head_outputs(feats)['regions'], dim=-1)
            @ feats.text[0].T, dim1=1, dim2=2))


def test_dual_prompts_give_the_difference_of_cosines():
    model = head(logit_scale=10.)
    feats = features(sets=2)
    outputs = model.head_outputs(feats)
    regions = F.normalize(outputs['regions'], dim=-1)
    expected = 10 * ((regions * feats.text[0]).sum(-1) -
                     (regions * feats.text[1]).sum(-1))
    torch.testing.assert_close(outputs['logits'], expected)


def test_loss_terms_and_what_trains():
    torch.manual_seed(0)
    model = head()
    model.set_epoch(0)
    observed = [[1, -1, 0, 0], [0, 1, 0, -1], [-1, 0, 1, 0]]
    losses = model.loss(features(), samples(observed))
    assert set(losses) == {'loss_cls', 'loss_pl', 'loss_kd', 'loss_con'}
    assert losses['loss_pl'] == 0  # warm-up: no pseudo-labels yet
    sum(losses.values()).backward()
    assert model.region_attention.queries.grad.abs().sum() > 0
    assert model.logit_scale.grad is not None
    ablated = head(distillation=None, contrastive=None, prototypes=None)
    assert set(ablated.loss(features(), samples(observed))) == {'loss_cls'}


def prototyped_head(**kwargs):
    """A head past its warm-up whose prototypes were fed known positives of
    every class."""
    model = head(**kwargs)
    model.set_epoch(0)
    everything = [[1, 1, 1, 1]] * B
    model.loss(features(seed=1), samples(everything))
    model.set_epoch(1)
    return model


def test_pseudo_labels_only_on_unknown_entries_and_without_gradient():
    # thresholds that turn every unknown entry into a pseudo-label
    model = prototyped_head(pseudo_positive_thr=1e-9, pseudo_negative_thr=0.)
    observed = torch.tensor([[1, -1, 0, 0], [0, 1, 0, -1], [-1, 0, 1, 0]])
    outputs = model.head_outputs(features())
    targets = model._get_targets(outputs, samples(observed.tolist()))
    pseudo = targets['pseudo']
    assert not pseudo.requires_grad
    assert torch.all(pseudo[observed != 0] == 0)  # known labels kept
    assert torch.all(pseudo[observed == 0] == 1)  # all pseudo-positive
    assert torch.equal(targets['observed'], observed.float())


def test_pseudo_label_loss_is_the_classification_loss_on_pseudo_entries():
    model = prototyped_head(pseudo_positive_thr=1e-9, pseudo_negative_thr=0.,
                            pseudo_label_weight=0.5)
    feats = features()
    observed = [[1, -1, 0, 0], [0, 1, 0, -1], [-1, 0, 1, 0]]
    logits = model(feats)
    pseudo = (torch.tensor(observed) == 0).float()
    expected = 0.5 * model.loss_module(logits, pseudo)
    losses = model.loss(feats, samples(observed))
    torch.testing.assert_close(losses['loss_pl'], expected)


def test_epoch_summary_counts_pseudo_labels_and_their_precision():
    model = prototyped_head(pseudo_positive_thr=1e-9, pseudo_negative_thr=0.)
    observed = [[1, -1, 0, 0], [0, 1, 0, -1], [-1, 0, 1, 0]]
    # unknown entries: (0, 2) (0, 3) (1, 0) (1, 2) (2, 1) (2, 3); of these
    # (0, 2), (1, 0) and (2, 3) are true positives
    gt = [[0, 2], [0, 1], [2, 3]]
    model.loss(features(), samples(observed, gt))
    summary = model.summarise_epoch()
    assert summary['pseudo_pos'] == 6 and summary['pseudo_neg'] == 0
    assert summary['pseudo_pos_precision'] == pytest.approx(50.)
    assert math.isnan(summary['pseudo_neg_precision'])  # none drawn
    assert summary['pseudo_share'] == 1.0
    assert summary['known_share'] == pytest.approx(6 / 12)
    model.set_epoch(2)  # a new epoch starts new counters
    assert model.summarise_epoch()['pseudo_pos'] == 0


def test_state_round_trips_through_a_state_dict():
    model = prototyped_head()
    state = model.state_dict()
    for key in ('prototypes.visual', 'prototypes.affinity_mean',
                'prototypes.has_prototype', 'queries_ready', 'epoch',
                'region_attention.queries'):
        assert key in state, key
    restored = head()
    restored.load_state_dict(state)
    assert bool(restored.queries_ready) and int(restored.epoch) == 1
    feats, observed = features(seed=3), [[0, 0, 0, 0]] * B
    for m in (model, restored):
        m._epoch_was_set = True
    a = model._get_targets(model.head_outputs(feats), samples(observed))
    b = restored._get_targets(restored.head_outputs(feats),
                              samples(observed))
    assert torch.equal(a['pseudo'], b['pseudo'])


def test_built_by_the_classifier_with_its_vocabulary_and_width():
    from tests.models.conftest import VIT_ARCH
    model = MODELS.build(dict(
        type='CLIPPromptClassifier', class_names=['a', 'b', 'c'],
        clip=dict(arch=VIT_ARCH),
        prompt_learner=dict(type='FixedPromptLearner'),
        head=dict(type='TRMHead')))
    assert model.head.region_attention.queries.shape == (3, 32)
    model.eval()
    images = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        scores = torch.stack([
            p.pred_score for p in model(images, mode='predict')])
        logits = model(images)  # [B, 3]
    torch.testing.assert_close(scores, torch.sigmoid(logits.double()))


def test_a_stateful_loss_with_prototypes_is_refused():
    with pytest.raises(ValueError, match='keeps per-image state'):
        head(loss=dict(type='ROLELoss', num_samples=4, num_classes=C,
                       expected_num_pos=1.))


def test_global_matching_scores_every_class_on_the_global_feature():
    feats = features()
    model = head(matching='global', logit_scale=10.)
    logits = model(feats)  # [B, C]
    image = F.normalize(feats.image.global_feat, dim=-1)  # [B, D]
    cos = image @ feats.text[0].T  # [B, C]
    expected = 10. * (cos - cos.mean(1, keepdim=True))  # centred logits
    torch.testing.assert_close(logits, expected)
    # the regions (query attention) play no part
    torch.nn.init.normal_(model.region_attention.queries)
    torch.testing.assert_close(model(feats), expected)
    with pytest.raises(ValueError, match='no class regions'):
        model.class_heatmaps(feats, (8, 8))
    with pytest.raises(ValueError, match='matching'):
        head(matching='local')
