"""LabelCorrelationGraph.attention: the GATv2 weights of each layer, as
the GATv2 rule gives them (re-derived here, not read from the layer's
forward), averaged over heads, with no dropout."""
import torch
import torch.nn.functional as F

from mmpretrain_mlr.models.layers.label_graph import LabelCorrelationGraph


def gatv2_weights(nodes, weight, score, num_heads, scale=1.):
    """alpha[i, j, h] = softmax_j scale * a_h . LeakyReLU_0.2(W_h h_i +
    W_h h_j), by loops over (i, j, h)."""
    c = nodes.shape[0]
    projected = (nodes @ weight.t()).view(c, num_heads, -1)
    logits = torch.empty(c, c, num_heads)
    for i in range(c):
        for j in range(c):
            for h in range(num_heads):
                pair = projected[i, h] + projected[j, h]
                pair = torch.where(pair > 0, pair, 0.2 * pair)
                logits[i, j, h] = (score[0] * pair).sum()
    return (scale * logits).softmax(dim=1)


def test_attention_is_the_gatv2_rule_averaged_over_heads():
    torch.manual_seed(0)
    graph = LabelCorrelationGraph(8, hidden_dim=12, num_heads=3, dropout=0.5)
    graph.train()  # dropout is on: attention() must not apply it
    embeds = torch.randn(5, 8)
    first, second = graph.attention(embeds)

    expected1 = gatv2_weights(embeds, graph.layer1.linear.weight,
                              graph.layer1.score.weight, 3).mean(dim=-1)
    hidden = F.elu(graph.layer1.eval()(embeds))
    expected2 = gatv2_weights(hidden, graph.layer2.linear.weight,
                              graph.layer2.score.weight, 1).mean(dim=-1)
    torch.testing.assert_close(first, expected1)
    torch.testing.assert_close(second, expected2)
    assert first.shape == second.shape == (5, 5)
    torch.testing.assert_close(first.sum(dim=1), torch.ones(5))
    assert not first.requires_grad
    assert graph.training  # its mode is left as it was


def test_score_scale_sharpens_both_layers_as_an_inverse_temperature():
    torch.manual_seed(0)
    plain = LabelCorrelationGraph(8, hidden_dim=12, num_heads=3, dropout=0.)
    scaled = LabelCorrelationGraph(8, hidden_dim=12, num_heads=3, dropout=0.,
                                   score_scale=30.)
    scaled.load_state_dict(plain.state_dict())  # same weights
    embeds = F.normalize(torch.randn(6, 8), dim=-1)
    first, second = scaled.attention(embeds)
    expected1 = gatv2_weights(embeds, scaled.layer1.linear.weight,
                              scaled.layer1.score.weight, 3,
                              scale=30.).mean(dim=-1)
    hidden = F.elu(scaled.layer1.eval()(embeds))
    expected2 = gatv2_weights(hidden, scaled.layer2.linear.weight,
                              scaled.layer2.score.weight, 1, scale=30.)[..., 0]
    torch.testing.assert_close(first, expected1)
    torch.testing.assert_close(second, expected2)
    # the forward pass uses the same weights: node i's output is its
    # attention row over the projected nodes (second layer, one head)
    with torch.no_grad():
        out = scaled(embeds)
        projected = hidden @ scaled.layer2.linear.weight.t()
    torch.testing.assert_close(out, expected2 @ projected)
    # rows of the plain graph are closer to uniform than the scaled ones
    spread = [(a - 1 / 6).abs().sum(1).mean() for a in
              (plain.attention(embeds)[0], first)]
    assert spread[1] > 5 * spread[0]
