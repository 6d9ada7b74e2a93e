"""SigRL's semantic visual feature reconstruction (SVFR), computed a chunk
of classes at a time."""
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from torch.utils.checkpoint import checkpoint


def patch_attention(patches: torch.Tensor, guides: torch.Tensor,
                    linear: nn.Linear) -> torch.Tensor:
    """Per-channel attention of each guide over the patches.

    ``softmax_n(linear(tanh(P[b, n] * guide[b, c])))``, separately for
    every channel.

    Args:
        patches (Tensor): P [B, N, D].
        guides (Tensor): one vector per class [B or 1, K, D].
        linear (nn.Linear): D -> D.

    Returns:
        Tensor: weights [B, N, K, D], summing to 1 over N.
    """
    mixed = torch.tanh(patches.unsqueeze(2) * guides.unsqueeze(1))
    return linear(mixed).softmax(dim=1)  # [B, N, K, D]


@MODELS.register_module()
class SemanticVisualReconstruction(BaseModule):
    """Semantic visual feature reconstruction (SVFR) of SigRL (Zhang et al.,
    *Semantic-guided Representation Learning for Multi-Label
    Recognition*, ICME 2025).

    With patches P [B, N, D], class embeddings E [C, D] and, optionally,
    graph-correlated class embeddings G [C, D]:

    1. semantic decoupling: ``a = patch_attention(P, E, W1)``,
       class features ``S[b, c] = sum_n a[b, n, c] * P[b, n]`` [B, C, D];
    2. text-guided channel affinity: ``M_b = rownorm(ReLU(S_b^T E))``
       [B, D, D], ``S~_b = S_b M_b``;
    3. fusion: ``L = [S~ | G] W2`` (no bias) [B, C, D];
    4. reconstruction: ``beta = patch_attention(P, L, W3)``, the patches
       re-weighted channel-wise: ``R[b, n] = P[b, n] * sum_c beta[b, n, c]``
       [B, N, D].

    Steps 1 and 4 build [B, N, K, D] tensors for K classes at once (12 GB
    each at B = 32, N = 196, C = 925, D = 512). With ``chunk_size`` they
    take K = ``chunk_size`` classes at a time, and while gradients are
    recorded each chunk is recomputed in the backward pass
    (``torch.utils.checkpoint``) instead of being stored: the peak then
    depends on the chunk, and on C only through the [B, C, D] class
    features. Values and gradients equal the unchunked computation.

    Args:
        embed_dim (int): D.
        use_graph (bool): fuse G with the class features (SigRL's GMC);
            False: ``L = S~ W2`` with W2 [D, D]. Defaults to True.
        chunk_size (int, optional): classes per chunk; None: all classes
            at once, stored for backward. Defaults to 16.
        init_cfg (dict, optional): initialisation config.

    Note:
        The released code divides ``S_b^T E`` by the Frobenius norms of the
        whole batch's S and of E before the ReLU and the row normalisation;
        a positive factor there cancels, so it is left out (the parity test
        shows the equality).
    """

    def __init__(self,
                 embed_dim: int,
                 use_graph: bool = True,
                 chunk_size: Optional[int] = 16,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if chunk_size is not None and chunk_size < 1:
            raise ValueError('SemanticVisualReconstruction: chunk_size must '
                             f'be a positive int or None, got {chunk_size}')
        self.use_graph = use_graph
        self.chunk_size = chunk_size
        self.decouple = nn.Linear(embed_dim, embed_dim)
        self.fuse = nn.Linear(embed_dim * (2 if use_graph else 1), embed_dim,
                              bias=False)
        self.reconstruct = nn.Linear(embed_dim, embed_dim)

    def _class_features(self, patches, class_embeds):
        a = patch_attention(patches, class_embeds, self.decouple)
        return torch.einsum('bnkd,bnd->bkd', a, patches)  # [B, K, D]

    def _guides(self, sem, graph, affinity):
        """Steps 2-3 for some classes: L [B, K, D] from S [B, K, D] and G
        [1, K, D] (or None); ``[S~ | G] W2`` as ``S~ W2a + G W2b``, so no
        [B, C, 2D] tensor is formed."""
        width = sem.shape[-1]
        guides = F.linear(sem @ affinity, self.fuse.weight[:, :width])
        if graph is not None:
            guides = guides + F.linear(graph, self.fuse.weight[:, width:])
        return guides

    def _channel_weights(self, patches, sem, graph, affinity):
        """Step 4 for some classes: the sum over them of beta, [B, N, D]."""
        guides = self._guides(sem, graph, affinity)
        return patch_attention(patches, guides, self.reconstruct).sum(dim=2)

    def _chunked(self, fn, patches, per_class, *shared, reduce='cat'):
        """``fn(patches, *chunks, *shared)`` over chunks of classes, where
        ``chunks`` slice the tensors of ``per_class`` (classes on dim 1,
        None passed through); results concatenated along the classes or
        summed (``reduce='sum'``)."""
        num_classes = per_class[0].shape[1]
        step = self.chunk_size or num_classes
        recompute = torch.is_grad_enabled() and self.chunk_size is not None
        parts, total = [], None
        for start in range(0, num_classes, step):
            chunks = [None if t is None else t[:, start:start + step]
                      for t in per_class]
            args = (patches, *chunks, *shared)
            part = checkpoint(fn, *args, use_reentrant=False) \
                if recompute else fn(*args)
            if reduce == 'cat':
                parts.append(part)
            else:  # a running sum keeps one chunk's result alive, not all
                total = part if total is None else total + part
        return torch.cat(parts, dim=1) if reduce == 'cat' else total

    def class_features(self, patches: torch.Tensor,
                       class_embeds: torch.Tensor) -> torch.Tensor:
        """Step 1, semantic decoupling: S [B, C, D]."""
        return self._chunked(self._class_features, patches,
                             [class_embeds.unsqueeze(0)])

    def forward(self,
                patches: torch.Tensor,
                class_embeds: torch.Tensor,
                graph_embeds: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Args:
            patches (Tensor): P [B, N, D].
            class_embeds (Tensor): E [C, D].
            graph_embeds (Tensor, optional): G [C, D]; required with
                ``use_graph``.

        Returns:
            Tensor: reconstructed patches R [B, N, D].
        """
        if self.use_graph and graph_embeds is None:
            raise ValueError('SemanticVisualReconstruction(use_graph=True) '
                             'needs the graph embeddings G [C, D]')
        sem = self.class_features(patches, class_embeds)  # [B, C, D]
        affinity = torch.einsum('bcd,ce->bde', sem, class_embeds)
        affinity = F.normalize(F.relu(affinity), dim=-1)  # [B, D, D]
        graph = graph_embeds.unsqueeze(0) if self.use_graph else None
        weights = self._chunked(self._channel_weights, patches,
                                [sem, graph], affinity,
                                reduce='sum')  # [B, N, D]
        return patches * weights
