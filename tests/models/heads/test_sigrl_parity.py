"""SigRL's modules against an independent re-implementation of the released
forward passes (MVL-Lab/SigRL: ``SPML/models/SDA.py``, ``OV/models/VFR.py``,
labml.ai's ``GraphAttentionV2Layer`` as used by ``OV/models/clip_vit.py``),
written here with the released code's own tensor layout (repeat /
repeat_interleave / transposes) and fed the same weights.

Tolerances are on raw scores in [-1, 1] (no sigmoid anywhere), so an error
of 1e-3 in any score fails."""
import pytest
import torch
import torch.nn.functional as F

from mmpretrain_mlr.models.clip import ClassifierFeatures, ImageFeatures
from mmpretrain_mlr.models.heads import SigRLHead
from mmpretrain_mlr.models.layers import (LabelCorrelationGraph,
                                          SemanticVisualReconstruction)

B, N, C, D = 2, 9, 7, 16
TOL = dict(atol=1e-5, rtol=0)


# ------------------------------------------------------- released layouts
def released_decoupling(patches, words, fc):
    """SDA.SemanticDecoupling.forward."""
    bs, n, dim = patches.shape
    c = words.shape[0]
    img = patches.reshape(bs * n, 1, dim).repeat(1, c, 1)
    word = words.view(1, c, dim).repeat(bs * n, 1, 1)
    feature = fc(torch.tanh(img * word).view(-1, dim))
    coef = feature.view(bs, n, c, dim)
    coef = torch.transpose(torch.transpose(coef, 2, 1), 3, 2)
    coef = F.softmax(coef, dim=3)
    coef = torch.transpose(torch.transpose(coef, 3, 1), 3, 2)
    img = img.view(bs, n, c, dim)
    return torch.sum(img * coef, 1)


def released_reconstruction(patches, fused, fc1, fc3):
    """VFR.DecouplingSemantic.forward (fused: [bs, C, 2D])."""
    c = fused.shape[1]
    bs, n, dim = patches.shape
    tok = patches.reshape(bs * n, 1, -1).repeat(1, c, 1).view(bs, n, c, dim)
    lab = fc1(fused).view(1, bs, c, dim).repeat(n, 1, 1, 1)
    lab = torch.transpose(lab, 1, 0)
    feature = fc3(torch.tanh(tok * lab).view(-1, dim))
    coef = feature.view(bs, n, c, dim)
    coef = torch.transpose(torch.transpose(coef, 2, 1), 3, 2)
    coef = F.softmax(coef, dim=3)
    coef = torch.transpose(torch.transpose(coef, 3, 1), 3, 2)
    return torch.sum(tok * coef, 2)


def released_gatv2_layer(h, linear, attn, n_heads, n_hidden, concat,
                         slope=0.2):
    """labml GraphAttentionV2Layer.forward, share_weights=True, all-ones
    adjacency, dropout off."""
    n = h.shape[0]
    g_l = linear(h).view(n, n_heads, n_hidden)
    g_r = g_l
    g_sum = (g_l.repeat(n, 1, 1) + g_r.repeat_interleave(n, dim=0)).view(
        n, n, n_heads, n_hidden)
    e = attn(F.leaky_relu(g_sum, slope)).squeeze(-1)
    adj = torch.ones(n, n, 1)
    e = e.masked_fill(adj == 0, float('-inf'))
    a = F.softmax(e, dim=1)
    res = torch.einsum('ijh,jhf->ihf', a, g_r)
    return res.reshape(n, n_heads * n_hidden) if concat else res.mean(dim=1)


def released_gatv2(h, graph):
    l1, l2 = graph.layer1, graph.layer2
    x = released_gatv2_layer(h, l1.linear, l1.score, l1.num_heads,
                             l1.head_dim, True)
    x = F.elu(x)
    return released_gatv2_layer(x, l2.linear, l2.score, 1, l2.head_dim,
                                True)


def released_scores(g, patches, words, graph_out, sda_fc, fc1, fc3, topk):
    """CLIPVIT.forward after the backbone (global + local, norm_pred)."""
    sem = released_decoupling(patches, words, sda_fc)
    out = (sem.permute(0, 2, 1) @ words) / (sem.norm() * words.norm())
    out = F.normalize(F.relu(out), dim=-1)
    out = sem @ out
    graph_rep = graph_out.unsqueeze(0).repeat(out.shape[0], 1, 1)
    out = torch.cat((out, graph_rep), dim=2)
    rec = released_reconstruction(patches, out, fc1, fc3)
    local = torch.topk(rec @ words.t(), k=topk, dim=1)[0].mean(dim=1)
    glob = g @ words.t()
    local = local / local.norm(dim=-1, keepdim=True)
    glob = glob / glob.norm(dim=-1, keepdim=True)
    return (local + glob) / 2


# ------------------------------------------------------------------ data
@pytest.fixture
def inputs():
    torch.manual_seed(0)
    patches = torch.randn(B, N, D)
    words = F.normalize(torch.randn(C, D), dim=-1)
    g = torch.randn(B, D)
    return g, patches, words


def head(**kwargs):
    torch.manual_seed(1)
    model = SigRLHead(embed_dim=D, topk=4, distillation_weight=0., **kwargs)
    return model.eval()


# ----------------------------------------------------------------- tests
def test_semantic_decoupling_matches_the_release(inputs):
    _, patches, words = inputs
    svfr = SemanticVisualReconstruction(D, chunk_size=3)
    ours = svfr.class_features(patches, words)
    ref = released_decoupling(patches, words, svfr.decouple)
    assert ours.shape == (B, C, D)
    torch.testing.assert_close(ours, ref, **TOL)


def test_graph_matches_labml_gatv2(inputs):
    _, _, words = inputs
    torch.manual_seed(2)
    graph = LabelCorrelationGraph(D, hidden_dim=8, num_heads=4,
                                  row_chunk=3).eval()
    torch.testing.assert_close(graph(words), released_gatv2(words, graph),
                               **TOL)


def test_reconstruction_matches_the_release(inputs):
    _, patches, words = inputs
    model = head()
    svfr, graph = model.reconstruction, model.graph
    graph_out = graph(words)
    ours = svfr(patches, words, graph_out)
    sem = released_decoupling(patches, words, svfr.decouple)
    aff = (sem.permute(0, 2, 1) @ words) / (sem.norm() * words.norm())
    fused = sem @ F.normalize(F.relu(aff), dim=-1)
    fused = torch.cat([fused, graph_out.expand(B, -1, -1)], dim=2)
    ref = released_reconstruction(patches, fused, svfr.fuse,
                                  svfr.reconstruct)
    torch.testing.assert_close(ours, ref, **TOL)


def test_batch_frobenius_norm_cancels(inputs):
    """The release divides by the norm of the whole batch's S; per image or
    not at all gives the same affinity after ReLU and row normalisation."""
    _, patches, words = inputs
    svfr = SemanticVisualReconstruction(D, chunk_size=None)
    sem = svfr.class_features(patches, words)
    raw = sem.permute(0, 2, 1) @ words
    batch = F.normalize(F.relu(raw / (sem.norm() * words.norm())), dim=-1)
    per_image = F.normalize(F.relu(
        raw / (sem.flatten(1).norm(dim=1)[:, None, None] * words.norm())),
        dim=-1)
    none = F.normalize(F.relu(raw), dim=-1)
    torch.testing.assert_close(batch, none, **TOL)
    torch.testing.assert_close(per_image, none, **TOL)


def test_final_scores_match_the_release(inputs):
    g, patches, words = inputs
    model = head()
    feats = ClassifierFeatures(ImageFeatures(g, patches), words[None])
    ours = model(feats)
    ref = released_scores(g, patches, words, model.graph(words),
                          model.reconstruction.decouple,
                          model.reconstruction.fuse,
                          model.reconstruction.reconstruct, topk=4)
    assert ours.shape == (B, C)
    torch.testing.assert_close(ours, ref, **TOL)
    # the scores are not trivially close to each other: the tolerance
    # resolves them
    assert (ours.max() - ours.min()) > 0.1


def test_scores_without_svfr_match_the_released_eval_path(inputs):
    """``engine_nus.eval``: top-k of the raw patches plus the global
    score, each normalised."""
    g, patches, words = inputs
    model = head(graph=None, reconstruction=None)
    feats = ClassifierFeatures(ImageFeatures(g, patches), words[None])
    local = torch.topk(patches @ words.t(), k=4, dim=1)[0].mean(dim=1)
    glob = g @ words.t()
    ref = (local / local.norm(dim=-1, keepdim=True) +
           glob / glob.norm(dim=-1, keepdim=True)) / 2
    torch.testing.assert_close(model(feats), ref, **TOL)
