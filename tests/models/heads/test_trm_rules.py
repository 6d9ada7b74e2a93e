"""TRM-ML's rules checked against independent computations, at values that
expose them: the pseudo-negative threshold apart from the positive one and
the known-label mask, which entries update the prototypes and anchor the
contrastive loss, distillation towards the frozen teacher (not the moving
encoder), and the pseudo-label figures summed over two processes."""
import math

import pytest
import torch
import torch.distributed as dist
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

import mmpretrain_mlr  # noqa: F401  (registers the components)
from mmpretrain_mlr.models.clip import ClassifierFeatures, ImageFeatures
from tests.forkserver import start_processes

B, C, N, D = 4, 5, 6, 8
#: observed labels: known positives, known negatives and unknown entries
OBSERVED = [[1, -1, 0, 0, 0], [0, 1, 0, -1, 0], [-1, 0, 1, 0, 0],
            [0, 0, -1, 1, 0]]


def features(seed=0, teacher=None):
    gen = torch.Generator().manual_seed(seed)
    dense = torch.randn(B, N, D, generator=gen)
    text = F.normalize(torch.randn(1, C, D, generator=gen), dim=-1)
    return ClassifierFeatures(ImageFeatures(dense.mean(1), dense), text,
                              teacher)


def samples(observed, gt=None):
    out = []
    for i, row in enumerate(observed):
        ds = DataSample(observed_label=torch.tensor(row, dtype=torch.int8))
        if gt is not None:
            ds.set_gt_label(gt[i])
        out.append(ds)
    return out


def head(**kwargs):
    kwargs.setdefault('region_attention', dict(num_heads=2))
    torch.manual_seed(0)
    model = MODELS.build(dict(type='TRMHead', num_classes=C, embed_dim=D,
                              **kwargs))
    # the class texts, as the classifier gives them when it is built
    model.init_from_class_embeddings(features(seed=1).text)
    return model


def prototyped_head(**kwargs):
    """A head past its warm-up whose prototypes were fed two batches of
    known positives of every class."""
    model = head(**kwargs)
    model.set_epoch(0)
    for seed in (1, 2):
        model.loss(features(seed=seed), samples([[1] * C] * B))
    model.set_epoch(1)
    return model


def prototype_evidence(protos, regions, text):
    """u [B, C] by the rule, one entry at a time in float64: intra-class
    affinity a = (cos(R, P_c) + cos(R, T_c)) / 2, inter-class evidence r =
    softmax over the classes with a prototype of cos(R, P_c') / tau_proto,
    taken at c, and u = r * sigmoid((a - m_c) / tau_affinity)."""
    visual = protos.visual.double()
    mean = protos.affinity_mean.double()
    known = protos.has_prototype.tolist()
    regions, text = regions.detach().double(), text.detach().double()
    out = torch.empty(regions.shape[:2], dtype=torch.float64)
    for b in range(regions.shape[0]):
        for c in range(regions.shape[1]):
            r_bc = regions[b, c]
            a = (float(r_bc @ visual[c]) + float(r_bc @ text[c])) / 2
            exps = {k: math.exp(float(r_bc @ visual[k]) / protos.tau_proto)
                    for k in range(len(known)) if known[k]}
            r = exps[c] / sum(exps.values())
            gate = 1 / (1 + math.exp(-(a - float(mean[c])) /
                                     protos.tau_affinity))
            out[b, c] = r * gate
    return out


def combined_scores(model, feats):
    """(u + sigmoid(logit)) / 2 of every entry, computed here."""
    outputs = model.head_outputs(feats)
    u = prototype_evidence(model.prototypes, outputs['regions_normed'],
                           outputs['text'])
    return ((u + torch.sigmoid(outputs['logits'].double())) / 2).detach()


def thresholds_between(values, lower_q, upper_q):
    """Two thresholds halfway between neighbouring sorted values (no value
    sits on a threshold), near the given quantiles."""
    ordered = values.sort().values
    k_low, k_high = (int(q * (len(ordered) - 1)) for q in (lower_q, upper_q))
    return (float(ordered[k_low] + ordered[k_low + 1]) / 2,
            float(ordered[k_high] + ordered[k_high + 1]) / 2)


# ------------------------------------------------------------ pseudo-labels
def test_pseudo_negatives_use_their_own_threshold():
    model = prototyped_head()
    feats = features()
    observed = torch.tensor(OBSERVED)
    unknown = observed == 0
    combined = combined_scores(model, feats)
    # thresholds inside the spread of the unknown entries' scores: some
    # entries fall below the negative threshold, some above the positive
    # one, and some between (these stay unknown)
    neg_thr, pos_thr = thresholds_between(combined[unknown], 0.3, 0.7)
    model.pseudo_negative_thr, model.pseudo_positive_thr = neg_thr, pos_thr
    expected = torch.zeros_like(observed)
    expected[unknown & (combined >= pos_thr)] = 1
    expected[unknown & (combined <= neg_thr)] = -1
    assert {-1, 0, 1} <= set(expected[unknown].tolist())
    pseudo = model._get_targets(model.head_outputs(feats),
                                samples(OBSERVED))['pseudo']
    assert torch.equal(pseudo.long(), expected)


def test_assume_negative_thresholds_leave_known_labels_alone():
    # every unknown entry scores at most 0.99: all pseudo-negative; known
    # positives and negatives keep no pseudo-label
    model = prototyped_head(pseudo_positive_thr=1.0,
                            pseudo_negative_thr=0.99)
    feats = features()
    observed = torch.tensor(OBSERVED)
    assert combined_scores(model, feats)[observed == 0].max() < 0.99
    pseudo = model._get_targets(model.head_outputs(feats),
                                samples(OBSERVED))['pseudo']
    assert torch.equal(pseudo.long(), -(observed == 0).long())


def test_no_pseudo_labels_during_warm_up_or_without_prototypes():
    model = prototyped_head(pseudo_positive_thr=1e-9, pseudo_negative_thr=0.,
                            warmup_epochs=2)
    pseudo = model._get_targets(model.head_outputs(features()),
                                samples(OBSERVED))['pseudo']
    assert not pseudo.any()  # epoch 1 < 2 warm-up epochs


# --------------------------------------------- prototypes and contrastive
def test_prototypes_take_known_positives_only():
    # every unknown entry becomes a pseudo-positive, so a rule that let
    # pseudo-positives (or unknown or negative entries) in would differ
    model = prototyped_head(pseudo_positive_thr=1e-9, pseudo_negative_thr=0.)
    feats = features()
    before = model.prototypes.visual.clone()
    regions = model.head_outputs(feats)['regions_normed'].detach()
    model.loss(feats, samples(OBSERVED))
    observed = torch.tensor(OBSERVED)
    for c in range(C):
        rows = (observed[:, c] == 1).nonzero().flatten()
        if len(rows) == 0:  # class 4: no known positive, no update
            torch.testing.assert_close(model.prototypes.visual[c], before[c],
                                       rtol=0, atol=0)
            continue
        mean = F.normalize(regions[rows, c].mean(0), dim=0)
        mixed = 0.9 * before[c] + 0.1 * mean
        torch.testing.assert_close(model.prototypes.visual[c],
                                   mixed / mixed.norm())


def info_nce(anchor_feats, anchor_class, text, t):
    """Supervised InfoNCE by the rule, one anchor at a time: candidates are
    the other anchors and every class text; positives those of the
    anchor's class."""
    anchors = F.normalize(anchor_feats.double(), dim=-1)
    texts = F.normalize(text.double(), dim=-1)
    total = 0.
    for i in range(len(anchors)):
        candidates = [(anchors[j], anchor_class[j])
                      for j in range(len(anchors)) if j != i]
        candidates += [(texts[c], c) for c in range(len(texts))]
        sims = [float(anchors[i] @ f) / t for f, _ in candidates]
        log_z = math.log(sum(math.exp(s) for s in sims))
        pos = [s - log_z for s, (_, c) in zip(sims, candidates)
               if c == anchor_class[i]]
        total += -sum(pos) / len(pos)
    return total / len(anchors)


@pytest.mark.parametrize('with_pseudo', [True, False])
def test_contrastive_anchors_are_positive_entries(with_pseudo):
    model = prototyped_head(contrast_pseudo_positives=with_pseudo,
                            distillation=None)
    feats = features()
    observed = torch.tensor(OBSERVED)
    combined = combined_scores(model, feats)
    # half of the unknown entries pseudo-positive, a quarter negative
    neg_thr, pos_thr = thresholds_between(combined[observed == 0],
                                          0.25, 0.5)
    model.pseudo_negative_thr, model.pseudo_positive_thr = neg_thr, pos_thr
    pseudo_pos = (observed == 0) & (combined >= pos_thr)
    anchors = (observed == 1) | (pseudo_pos if with_pseudo else False)
    regions = model.head_outputs(feats)['regions'].detach()
    b, c = anchors.nonzero(as_tuple=True)
    expected = 0.1 * info_nce(regions[b, c], c.tolist(), feats.text[0], 0.07)
    losses = model.loss(feats, samples(OBSERVED))
    assert losses['loss_con'].item() == pytest.approx(expected, rel=1e-5)


# ------------------------------------------------------------ distillation
def test_distillation_targets_the_teacher_not_the_trained_encoder():
    gen = torch.Generator().manual_seed(5)
    teacher = ImageFeatures(torch.randn(B, D, generator=gen),
                            torch.randn(B, N, D, generator=gen))
    feats = features(teacher=teacher)
    model = head(contrastive=None, prototypes=None)
    model.set_epoch(0)
    regions = model.head_outputs(feats)['regions'].detach()
    cos = F.cosine_similarity(regions.mean(1), teacher.global_feat, dim=-1)
    to_encoder = F.cosine_similarity(regions.mean(1),
                                     feats.image.global_feat, dim=-1)
    assert (cos - to_encoder).abs().max() > 0.1  # the two targets differ
    losses = model.loss(feats, samples(OBSERVED))
    assert losses['loss_kd'].item() == pytest.approx(
        float((1 - cos).mean()), rel=1e-5)


def test_classifier_distils_a_trained_backbone_towards_frozen_clip():
    """configs/trm_ml/coco_resnet50.py in small: a trained ResNet in place
    of the CLIP image tower, a frozen copy of CLIP's tower as teacher."""
    from tests.models.conftest import RN_ARCH
    torch.manual_seed(0)
    model = MODELS.build(dict(
        type='CLIPPromptClassifier', class_names=['a', 'b', 'c'],
        clip=dict(arch=RN_ARCH, quick_gelu=True),
        image_encoder=dict(type='ProjectedBackbone',
                           backbone=dict(type='ResNet', depth=18,
                                         out_indices=(3, )),
                           in_channels=512, embed_dim=RN_ARCH['embed_dim']),
        teacher_image_encoder=dict(type='CLIPImageEncoder'),
        prompt_learner=dict(type='FixedPromptLearner'),
        head=dict(type='TRMHead', region_attention=dict(num_heads=2),
                  contrastive=None, prototypes=None)))
    model.head.set_epoch(0)
    images = torch.randn(2, 3, 64, 64)
    data = [DataSample(observed_label=torch.tensor([1, 0, -1],
                                                   dtype=torch.int8))] * 2
    losses = model(images, data, mode='loss')
    with torch.no_grad():
        target = model.teacher_image_encoder(images).global_feat
        feats = model.extract_feat(images)
        regions = model.head.head_outputs(feats)['regions']
    expected = (1 - F.cosine_similarity(regions.mean(1), target)).mean()
    wrong = (1 - F.cosine_similarity(regions.mean(1),
                                     feats.image.global_feat)).mean()
    assert abs(float(expected - wrong)) > 0.05
    assert losses['loss_kd'].item() == pytest.approx(float(expected),
                                                     rel=1e-4)


# ------------------------------------------- figures over two processes
#: per rank: observed labels, full ground truth, and thresholds that make
#: every unknown entry a pseudo-positive (rank 0) or a pseudo-negative
#: (rank 1)
RANKS = [
    dict(observed=[[1, -1, 0, 0, 0], [0, 1, 0, -1, 0], [-1, 0, 1, 0, 0],
                   [0, 0, -1, 1, 0]],
         gt=[[0, 2], [1, 4], [2, 3], [3]], thr=(1e-9, 0.)),
    dict(observed=[[0, 0, 0, 0, 1], [1, 1, 0, 0, 0], [0, -1, 0, 0, 0],
                   [0, 0, 0, -1, 0]],
         gt=[[0, 4], [0, 1], [2], [1, 2]], thr=(1.0, 0.99)),
]


def _summary_worker(rank, port, out_dir):
    dist.init_process_group('gloo', init_method=f'tcp://127.0.0.1:{port}',
                            rank=rank, world_size=2)
    try:
        pos_thr, neg_thr = RANKS[rank]['thr']
        model = prototyped_head(pseudo_positive_thr=pos_thr,
                                pseudo_negative_thr=neg_thr)
        model.set_epoch(1)  # new counters, past the warm-up
        model.loss(features(seed=10 + rank),
                   samples(RANKS[rank]['observed'], RANKS[rank]['gt']))
        # each rank updated its prototypes from its own batch: the check in
        # summarise_epoch passes only if the updates were all-reduced
        torch.save(model.summarise_epoch(), f'{out_dir}/{rank}.pt')
        protos = model.prototypes
        torch.save({k: v.clone() for k, v in protos.state_dict().items()},
                   f'{out_dir}/{rank}_prototypes.pt')
        if rank == 1:  # a drift on one process is caught, naming it
            protos.visual[0, 0] += 1e-3
        try:
            protos.check_synchronised()
            outcome = 'passed'
        except RuntimeError as err:
            outcome = str(err)
        with open(f'{out_dir}/{rank}.txt', 'w') as f:
            f.write(outcome)
    finally:
        dist.destroy_process_group()


def expected_summary():
    """The figures of both ranks' batches, counted here."""
    counts = dict(pos=0, pos_correct=0, neg=0, neg_correct=0, unknown=0,
                  known=0)
    for rank, spec in enumerate(RANKS):
        for row, positives in zip(spec['observed'], spec['gt']):
            for c, label in enumerate(row):
                if label != 0:
                    counts['known'] += 1
                    continue
                counts['unknown'] += 1
                kind = 'pos' if rank == 0 else 'neg'
                counts[kind] += 1
                counts[f'{kind}_correct'] += (c in positives) == (
                    kind == 'pos')
    return dict(
        pseudo_pos=counts['pos'], pseudo_neg=counts['neg'],
        pseudo_pos_precision=100 * counts['pos_correct'] / counts['pos'],
        pseudo_neg_precision=100 * counts['neg_correct'] / counts['neg'],
        pseudo_share=(counts['pos'] + counts['neg']) / counts['unknown'],
        known_share=counts['known'] / (counts['known'] + counts['unknown']))


def test_pseudo_label_figures_and_prototypes_agree_over_two_processes(
        free_port, tmp_path):
    expected = expected_summary()
    # rank 0: 12 unknown, 3 of them true positives; rank 1: 15 unknown, 11
    # of them true negatives; 13 known entries of 40
    assert (expected['pseudo_pos'], expected['pseudo_neg']) == (12, 15)
    assert expected['pseudo_pos_precision'] == pytest.approx(25.)
    assert expected['known_share'] == pytest.approx(13 / 40)
    assert expected['pseudo_neg_precision'] == pytest.approx(1100 / 15)
    # forkserver children (tests/forkserver.py), as spawned ones but with the
    # package imported once; not forks of this process, which could
    # deadlock in the OpenMP thread pool its torch already started
    start_processes(_summary_worker, args=(free_port, str(tmp_path)))
    for rank in (0, 1):
        summary = torch.load(tmp_path / f'{rank}.pt')
        for key, value in expected.items():
            assert summary[key] == pytest.approx(value), (rank, key)
    # the prototypes: identical on both processes, and a drift is caught
    states = [torch.load(tmp_path / f'{rank}_prototypes.pt')
              for rank in (0, 1)]
    assert states[0]['has_prototype'].all()
    for key in states[0]:
        assert torch.equal(states[0][key], states[1][key]), key
    for rank in (0, 1):
        message = (tmp_path / f'{rank}.txt').read_text()
        assert 'ranks [1] disagree with rank 0' in message, message
