"""Graph attention over class embeddings: SigRL's label-correlation module
(GMC), a two-layer GATv2 on a fully connected label graph."""
from typing import List, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch.utils.checkpoint import checkpoint


class GATv2Layer(nn.Module):
    """One GATv2 layer (Brody, Alon and Yahav, *How Attentive are Graph
    Attention Networks?*, ICLR 2022) on a fully connected graph::

        e[i, j] = a . LeakyReLU(W h[i] + W h[j])     (per head)
        alpha[i, :] = softmax_j (s * e[i, :])
        h'[i] = sum_j alpha[i, j] W h[j]

    One weight W for both ends of an edge, no bias, heads concatenated
    (or averaged). Every node is its own neighbour (self loops).

    The pair tensor ``W h[i] + W h[j]`` has C * C * width entries (2 GB at
    C = 1,006 and width 512), so rows i are taken ``row_chunk`` at a time
    and, while gradients are recorded, each chunk is recomputed in the
    backward pass instead of being stored: memory grows with C *
    ``row_chunk`` * width, values and gradients are unchanged.

    Args:
        in_dim (int): input width per node.
        out_dim (int): output width per node (all heads together when
            ``concat``).
        num_heads (int): attention heads. Defaults to 1.
        concat (bool): concatenate the heads (else average them).
            Defaults to True.
        dropout (float): dropout on the attention weights. Defaults to 0.
        negative_slope (float): of the LeakyReLU. Defaults to 0.2.
        row_chunk (int, optional): rows of the attention computed at a
            time; None: all at once, stored for backward. Defaults to 16.
        score_scale (float): s, a fixed factor on the scores before the
            softmax (an inverse temperature); 1 is GATv2. Defaults to 1.
    """

    def __init__(self,
                 in_dim: int,
                 out_dim: int,
                 num_heads: int = 1,
                 concat: bool = True,
                 dropout: float = 0.,
                 negative_slope: float = 0.2,
                 row_chunk: Optional[int] = 16,
                 score_scale: float = 1.):
        super().__init__()
        if concat and out_dim % num_heads:
            raise ValueError(f'GATv2Layer: out_dim={out_dim} is not a '
                             f'multiple of num_heads={num_heads}')
        self.num_heads = num_heads
        self.head_dim = out_dim // num_heads if concat else out_dim
        self.concat = concat
        self.negative_slope = negative_slope
        self.row_chunk = row_chunk
        self.score_scale = score_scale
        self.linear = nn.Linear(in_dim, num_heads * self.head_dim,
                                bias=False)
        self.score = nn.Linear(self.head_dim, 1, bias=False)
        self.attn_dropout = nn.Dropout(dropout)

    def _attend(self, rows: torch.Tensor, nodes: torch.Tensor,
                score_weight: torch.Tensor) -> torch.Tensor:
        """Attention of some rows over all nodes.

        Args:
            rows (Tensor): W h of the rows [R, H, F].
            nodes (Tensor): W h of all nodes [C, H, F].
            score_weight (Tensor): the scorer a, [1, F].

        Returns:
            Tensor: attention weights [R, C, H] (before dropout).
        """
        pair = rows.unsqueeze(1) + nodes.unsqueeze(0)  # [R, C, H, F]
        pair = F.leaky_relu(pair, self.negative_slope)
        logits = (pair @ score_weight.t()).squeeze(-1)  # [R, C, H]
        return (self.score_scale * logits).softmax(dim=1)

    def attention(self, nodes: torch.Tensor) -> torch.Tensor:
        """The attention weights alpha [C, C, H] on ``nodes`` [C, in_dim]
        (row i: how node i weighs every node j; no dropout), for reading
        what the layer learned."""
        projected = self.linear(nodes).view(nodes.shape[0], self.num_heads,
                                            self.head_dim)  # [C, H, F]
        return self._attend(projected, projected, self.score.weight)

    def forward(self, nodes: torch.Tensor) -> torch.Tensor:
        """Args:
            nodes (Tensor): node features [C, in_dim].

        Returns:
            Tensor: [C, out_dim].
        """
        c = nodes.shape[0]
        projected = self.linear(nodes).view(c, self.num_heads,
                                            self.head_dim)  # [C, H, F]
        step = self.row_chunk or c
        recompute = torch.is_grad_enabled() and self.row_chunk is not None
        outputs = []
        for start in range(0, c, step):
            rows = projected[start:start + step]
            if recompute:
                attn = checkpoint(self._attend, rows, projected,
                                  self.score.weight, use_reentrant=False)
            else:
                attn = self._attend(rows, projected, self.score.weight)
            attn = self.attn_dropout(attn)
            # sum_j alpha[i, j, h] * Wh[j, h, :]
            outputs.append(torch.einsum('ijh,jhf->ihf', attn, projected))
        out = torch.cat(outputs)  # [C, H, F]
        return out.flatten(1) if self.concat else out.mean(dim=1)


@MODELS.register_module()
class LabelCorrelationGraph(BaseModule):
    """SigRL's graph-based multi-label correlation (GMC): two GATv2 layers
    over the class embeddings of the current vocabulary (any size; every
    class attends to every class).

    ``dropout -> GATv2(D -> heads x hidden/heads, concat) -> ELU -> dropout
    -> GATv2(hidden -> D, 1 head)``, dropout also on the attention weights.

    Args:
        embed_dim (int): D, the width of the class embeddings and of the
            output.
        hidden_dim (int): width of the first layer (all heads). Defaults
            to 128.
        num_heads (int): heads of the first layer. Defaults to 4.
        dropout (float): Defaults to 0.3.
        row_chunk (int, optional): see :class:`GATv2Layer`. Defaults to 16.
        score_scale (float): a factor on both layers' attention scores
            before the softmax (see :class:`GATv2Layer`); 1 is SigRL.
            Defaults to 1.
        init_cfg (dict, optional): initialisation config.

    Note:
        The released SigRL code builds this from labml.ai's
        ``GraphAttentionV2Layer`` (``share_weights=True``, ``is_concat=True``
        for both layers) with an all-ones adjacency; the values above are
        its settings. ``score_scale`` is not part of SigRL: on the scenes
        demo the trained graph's attention rows are uniform to within
        0.002 (docs/benchmark.md, SigRL's ablations); a larger factor lets
        them depart from uniform.
    """

    def __init__(self,
                 embed_dim: int,
                 hidden_dim: int = 128,
                 num_heads: int = 4,
                 dropout: float = 0.3,
                 row_chunk: Optional[int] = 16,
                 score_scale: float = 1.,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.input_dropout = nn.Dropout(dropout)
        self.layer1 = GATv2Layer(embed_dim, hidden_dim, num_heads,
                                 dropout=dropout, row_chunk=row_chunk,
                                 score_scale=score_scale)
        self.layer2 = GATv2Layer(hidden_dim, embed_dim, 1, dropout=dropout,
                                 row_chunk=row_chunk,
                                 score_scale=score_scale)

    @torch.no_grad()
    def attention(self, class_embeds: torch.Tensor) -> List[torch.Tensor]:
        """What each layer attends to, as in evaluation (no dropout): per
        layer, the attention weights [C, C] averaged over its heads (row
        i sums to 1 over the classes j)."""
        was_training = self.training
        self.eval()  # the first layer's output without attention dropout
        try:
            hidden = F.elu(self.layer1(class_embeds))
        finally:
            self.train(was_training)
        return [self.layer1.attention(class_embeds).mean(dim=-1),
                self.layer2.attention(hidden).mean(dim=-1)]

    def forward(self, class_embeds: torch.Tensor) -> torch.Tensor:
        """Args:
            class_embeds (Tensor): [C, D].

        Returns:
            Tensor: correlated class embeddings [C, D].
        """
        x = self.layer1(self.input_dropout(class_embeds))
        x = self.input_dropout(F.elu(x))
        return self.layer2(x)
