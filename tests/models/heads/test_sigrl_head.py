"""SigRL head: chunked reconstruction and graph equal to the unchunked
computation (values and gradients), vocabularies of any size, the loss
terms and the ablation switches."""
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from mmpretrain_mlr.models.clip import ClassifierFeatures, ImageFeatures
from mmpretrain_mlr.models.heads import SigRLHead
from mmpretrain_mlr.models.layers import (LabelCorrelationGraph,
                                          SemanticVisualReconstruction)

B, N, D = 3, 10, 16


def features(num_classes, seed=0, teacher=False):
    torch.manual_seed(seed)
    g = torch.randn(B, D, requires_grad=True)
    patches = torch.randn(B, N, D, requires_grad=True)
    text = F.normalize(torch.randn(1, num_classes, D), dim=-1)
    t = ImageFeatures(torch.randn(B, D), torch.randn(B, N, D)) \
        if teacher else None
    return ClassifierFeatures(ImageFeatures(g, patches), text, t)


def samples(observed):
    batch = []
    for i, row in enumerate(observed):
        sample = DataSample(metainfo=dict(sample_idx=i))
        sample.set_field(torch.tensor(row, dtype=torch.float32),
                         'observed_label')
        batch.append(sample)
    return batch


def grads(module, feats, out):
    params = [p for p in module.parameters() if p.requires_grad]
    inputs = [feats.image.global_feat, feats.image.dense_feat]
    weights = torch.linspace(-1, 1, out.numel()).view_as(out)
    return torch.autograd.grad((out * weights).sum(), inputs + params,
                               allow_unused=True)


@pytest.mark.parametrize('chunk', [1, 3, 7])
def test_chunked_reconstruction_equals_unchunked(chunk):
    feats = features(num_classes=11)
    patches, text = feats.image.dense_feat, feats.text[0]
    graph_out = torch.randn(11, D)
    torch.manual_seed(3)
    whole = SemanticVisualReconstruction(D, chunk_size=None)
    chunked = SemanticVisualReconstruction(D, chunk_size=chunk)
    chunked.load_state_dict(whole.state_dict())
    out_whole = whole(patches, text, graph_out)
    out_chunked = chunked(patches, text, graph_out)
    torch.testing.assert_close(out_chunked, out_whole, atol=1e-5, rtol=0)
    for a, b in zip(grads(chunked, feats, out_chunked),
                    grads(whole, feats, out_whole)):
        if a is not None or b is not None:
            torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


def test_chunked_head_equals_unchunked_with_gradients():
    feats = features(num_classes=13)
    torch.manual_seed(4)
    whole = SigRLHead(D, topk=3, distillation_weight=0.,
                      graph=dict(dropout=0., row_chunk=None),
                      reconstruction=dict(chunk_size=None))
    chunked = SigRLHead(D, topk=3, distillation_weight=0.,
                        graph=dict(dropout=0., row_chunk=4),
                        reconstruction=dict(chunk_size=5))
    chunked.load_state_dict(whole.state_dict())
    out_whole, out_chunked = whole(feats), chunked(feats)
    torch.testing.assert_close(out_chunked, out_whole, atol=1e-5, rtol=0)
    g_whole, g_chunked = grads(whole, feats, out_whole), grads(
        chunked, feats, out_chunked)
    assert len(g_whole) > 2  # inputs and every head parameter
    for a, b in zip(g_chunked, g_whole):
        torch.testing.assert_close(a, b, atol=1e-5, rtol=0)


def test_chunks_are_recomputed_in_backward_not_stored():
    """With chunks, what autograd keeps for backward does not grow with the
    number of classes beyond the [B, C, D] class features."""
    def saved_numel(chunk, num_classes):
        feats = features(num_classes)
        svfr = SemanticVisualReconstruction(D, chunk_size=chunk)
        sizes = []
        with torch.autograd.graph.saved_tensors_hooks(
                lambda t: sizes.append(t.numel()) or t, lambda t: t):
            svfr(feats.image.dense_feat, feats.text[0],
                 torch.randn(num_classes, D))
        return max(sizes)

    # unchunked: a [B, N, C, D] activation is kept
    assert saved_numel(None, 40) >= B * N * 40 * D
    # chunked: the largest saved tensor is a chunk's or a [B, C, D] one
    assert saved_numel(4, 40) <= max(B * N * D, B * 40 * 2 * D)


@pytest.mark.parametrize('num_classes', [1, 5, 81])
def test_graph_takes_any_vocabulary(num_classes):
    torch.manual_seed(0)
    graph = LabelCorrelationGraph(D, hidden_dim=8, num_heads=4, row_chunk=7)
    graph.eval()
    embeds = torch.randn(num_classes, D)
    out = graph(embeds)
    assert out.shape == (num_classes, D)
    # each class's output depends on the whole vocabulary: permuting the
    # classes permutes the outputs and nothing else
    perm = torch.randperm(num_classes)
    torch.testing.assert_close(graph(embeds[perm]), out[perm], atol=1e-5,
                               rtol=0)
    if num_classes > 1:
        changed = embeds.clone()
        changed[-1] += 1.
        assert not torch.allclose(graph(changed)[0], out[0])


def test_same_head_scores_vocabularies_of_different_sizes():
    torch.manual_seed(0)
    model = SigRLHead(D, topk=3, distillation_weight=0.).eval()
    for num_classes in (4, 9):
        assert model(features(num_classes)).shape == (B, num_classes)


def test_scores_are_normalised_per_image_and_bounded():
    model = SigRLHead(D, topk=3, distillation_weight=0.).eval()
    scores = model(features(6))
    assert scores.abs().max() <= 1 + 1e-6
    only_global = SigRLHead(D, topk=3, distillation_weight=0., graph=None,
                            reconstruction=None, local_stream=False).eval()
    feats = features(6)
    expected = F.normalize(
        feats.image.global_feat @ feats.text[0].t(), dim=-1)
    torch.testing.assert_close(only_global(feats), expected)


def test_loss_terms_drop_images_without_positive():
    torch.manual_seed(0)
    model = SigRLHead(D, topk=3, graph=dict(dropout=0.))
    feats = features(4, teacher=True)
    observed = [[1, -1, -1, 0], [-1, -1, -1, -1], [0, 1, -1, 1]]
    losses = model.loss(feats, samples(observed))
    assert set(losses) == {'loss_cls', 'loss_kd'}
    scores = model(feats).detach()
    keep = torch.tensor([0, 2])
    expected_kd = (feats.image.global_feat[keep] -
                   feats.teacher.global_feat[keep]).abs().mean()
    torch.testing.assert_close(losses['loss_kd'], expected_kd)
    # ranking loss by hand on the kept images (margin 1)
    s = scores
    img0 = [1 + s[0, q] - s[0, 0] for q in (1, 2)]
    img2 = [1 + s[2, 2] - s[2, p] for p in (1, 3)]
    per = [sum(max(v, 0) for v in img) / sum(v > 0 for v in img)
           for img in (img0, img2)]
    torch.testing.assert_close(losses['loss_cls'].detach(),
                               torch.tensor(sum(per) / 2), atol=1e-6,
                               rtol=0)
    sum(losses.values()).backward()
    assert model.reconstruction.decouple.weight.grad.abs().sum() > 0
    assert model.graph.layer1.linear.weight.grad.abs().sum() > 0


def test_all_images_without_positive_give_a_zero_loss_with_a_graph():
    model = SigRLHead(D, topk=3, distillation_weight=0.)
    losses = model.loss(features(3), samples([[-1, -1, -1]] * B))
    assert losses['loss_cls'].item() == 0.
    losses['loss_cls'].backward()  # still connected to the parameters


def test_distillation_without_teacher_is_a_clear_error():
    model = SigRLHead(D, topk=3)
    with pytest.raises(ValueError, match='teacher_image_encoder'):
        model.loss(features(3), samples([[1, -1, -1]] * B))


def test_topk_above_the_patch_count_is_a_clear_error():
    model = SigRLHead(D, topk=N + 1, distillation_weight=0.)
    with pytest.raises(ValueError, match=f'topk={N + 1}.*{N} patches'):
        model(features(3))


def test_single_positive_em_on_scaled_scores():
    torch.manual_seed(0)
    model = SigRLHead(D, topk=3, distillation_weight=0., score_scale=5.,
                      loss=dict(type='EntropyMaximizationLoss', alpha=0.2),
                      graph=dict(dropout=0.))
    feats = features(4)
    observed = [[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 1]]
    loss = model.loss(feats, samples(observed))['loss_cls']
    p = torch.sigmoid(model(feats).detach())
    obs = torch.tensor(observed, dtype=torch.float32)
    entropy = -(p * p.log() + (1 - p) * (1 - p).log())
    expected = torch.where(obs > 0, -p.log(), -0.2 * entropy).mean()
    torch.testing.assert_close(loss.detach(), expected, atol=1e-5, rtol=0)


def test_graph_without_reconstruction_is_refused():
    with pytest.raises(ValueError, match='graph=None'):
        SigRLHead(D, reconstruction=None)
