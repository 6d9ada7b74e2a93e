"""TRM-ML's region attention: the three form choices the paper leaves open
(query residual, initialisation, normalised values) as fields."""
import math

import pytest
import torch
import torch.nn.functional as F

from mmpretrain_mlr.models.layers import CategoryRegionAttention

B, C, N, D, H = 2, 3, 5, 8, 2


def pooled(queries, keys, values):
    """Independent re-computation of the attention at its pooling start:
    per head h, softmax over tokens of <LN(q)_h, keys_h> / sqrt(d_h),
    applied to values_h."""
    q = F.layer_norm(queries, (D, ))
    out = []
    for h in range(H):
        sl = slice(h * D // H, (h + 1) * D // H)
        w = torch.softmax(torch.einsum('cd,bnd->bcn', q[:, sl], keys[..., sl])
                          / math.sqrt(D // H), dim=-1)
        out.append(w @ values[..., sl])
    return torch.cat(out, dim=-1)  # [B, C, D]


def build(**kwargs):
    torch.manual_seed(0)
    return CategoryRegionAttention(C, D, num_heads=H, **kwargs)


def test_defaults_are_the_reconstruction_defaults():
    tokens = torch.randn(B, N, D)
    default = build()
    explicit = build(query_residual=False, block_init='pooling',
                     normalise_values=False)
    torch.testing.assert_close(default(tokens)[0], explicit(tokens)[0])
    keys = F.layer_norm(tokens, (D, ))
    torch.testing.assert_close(default(tokens)[0],
                               pooled(default.queries, keys, tokens))


def test_query_residual_adds_the_query():
    tokens = torch.randn(B, N, D)
    model = build(query_residual=True)
    keys = F.layer_norm(tokens, (D, ))
    expected = model.queries + pooled(model.queries, keys, tokens)
    torch.testing.assert_close(model(tokens)[0], expected)


def test_normalised_values():
    tokens = torch.randn(B, N, D) * 3 + 1
    model = build(normalise_values=True)
    keys = F.layer_norm(tokens, (D, ))
    torch.testing.assert_close(model(tokens)[0],
                               pooled(model.queries, keys, keys))


def test_default_initialisation_is_not_pooling():
    block = build(block_init='default').blocks[0]
    eye = torch.eye(D)
    assert not torch.allclose(block.attn.in_proj_weight[:D], eye)
    assert block.mlp[-1].weight.abs().sum() > 0
    pooling = build().blocks[0]
    torch.testing.assert_close(pooling.attn.in_proj_weight,
                               torch.cat([eye, eye, eye]))
    assert pooling.mlp[-1].weight.abs().sum() == 0
    with pytest.raises(ValueError, match="init must be one of"):
        build(block_init='xavier')
