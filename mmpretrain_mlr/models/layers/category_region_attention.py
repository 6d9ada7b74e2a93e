"""Category-aware region learning: learnable category queries attend over
an image's dense tokens, one region feature per class."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
from mmengine.model import BaseModule


#: initialisations of a block: attention pooling, or PyTorch's defaults
BLOCK_INITS = ('pooling', 'default')


class CategoryRegionBlock(nn.Module):
    """One pre-LayerNorm cross-attention block with an MLP::

        x = Attn(query=LN(q), key=LN(F), value=F);  x = x + MLP(LN(x))

    Three choices the paper leaves open are fields (reconstruction
    defaults first):

    - ``query_residual`` (False): no residual from the query: the query
      says where to look, the region feature is what is seen there. True:
      ``x = q + Attn(...)``, as in a transformer decoder.
    - ``init`` ('pooling'): the block starts as attention pooling in the
      joint image-text space: the attention's projections start as
      identities and the MLP's last layer at zero, so a region feature is
      at first a weighted mean of CLIP's dense features (which the text
      embeddings already match) rather than a random map of them.
      'default': PyTorch's initialisation of the layers.
    - ``normalise_values`` (False): the values are the dense tokens
      themselves; True: the LayerNorm'd tokens, like the keys.

    Args:
        embed_dim (int): D.
        num_heads (int): attention heads (D must be divisible by it).
        mlp_hidden (int): hidden width of the MLP (D -> hidden -> D).
        dropout (float): dropout on the attention weights.
        query_residual (bool): add the query to the attention output.
            Defaults to False.
        init (str): 'pooling' or 'default'. Defaults to 'pooling'.
        normalise_values (bool): attend over LN(F) as values. Defaults to
            False.
    """

    def __init__(self, embed_dim: int, num_heads: int, mlp_hidden: int,
                 dropout: float = 0.,
                 query_residual: bool = False,
                 init: str = 'pooling',
                 normalise_values: bool = False):
        super().__init__()
        if embed_dim % num_heads:
            raise ValueError(f'CategoryRegionBlock: embed_dim {embed_dim} is '
                             f'not divisible by num_heads {num_heads}')
        if init not in BLOCK_INITS:
            raise ValueError(f'CategoryRegionBlock: init must be one of '
                             f'{BLOCK_INITS}, got {init!r}')
        self.query_residual = query_residual
        self.normalise_values = normalise_values
        self.norm_query = nn.LayerNorm(embed_dim)
        self.norm_tokens = nn.LayerNorm(embed_dim)
        self.attn = nn.MultiheadAttention(embed_dim, num_heads,
                                          dropout=dropout, batch_first=True)
        self.norm_mlp = nn.LayerNorm(embed_dim)
        self.mlp = nn.Sequential(
            nn.Linear(embed_dim, mlp_hidden), nn.GELU(),
            nn.Linear(mlp_hidden, embed_dim))
        if init == 'pooling':
            self.reset_to_pooling()

    @torch.no_grad()
    def reset_to_pooling(self) -> None:
        """Identity attention projections, zero MLP output."""
        eye = torch.eye(self.attn.embed_dim)
        self.attn.in_proj_weight.copy_(torch.cat([eye, eye, eye]))
        self.attn.in_proj_bias.zero_()
        self.attn.out_proj.weight.copy_(eye)
        self.attn.out_proj.bias.zero_()
        nn.init.zeros_(self.mlp[-1].weight)
        nn.init.zeros_(self.mlp[-1].bias)

    def forward(self, queries: torch.Tensor, tokens: torch.Tensor,
                need_weights: bool = False
                ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Args:
            queries (Tensor): [B, C, D].
            tokens (Tensor): [B, N, D].
            need_weights (bool): also return the head-averaged attention
                [B, C, N] (slower: the fused kernel is skipped).

        Returns:
            tuple: region features [B, C, D] and the attention or None.
        """
        keys = self.norm_tokens(tokens)
        x, weights = self.attn(self.norm_query(queries), keys,
                               keys if self.normalise_values else tokens,
                               need_weights=need_weights)  # [B, C, D]
        if self.query_residual:
            x = queries + x
        return x + self.mlp(self.norm_mlp(x)), weights


class CategoryRegionAttention(BaseModule):
    """Learnable category queries Q [C, D] attend over the dense image
    tokens F [B, N, D], giving region features R [B, C, D], one per class
    (TRM-ML's category-aware region learning; Ma et al., ACM MM 2024).

    The queries are initialised from the class text embeddings
    (:meth:`init_queries`, called when the classifier is built;
    reconstruction default) or randomly.

    Args:
        num_classes (int): C.
        embed_dim (int): D, the joint image-text width.
        num_heads (int): attention heads. Defaults to 8.
        num_layers (int): stacked blocks. Defaults to 1.
        mlp_ratio (float): MLP hidden width / D. Defaults to 1 (D -> D -> D).
        dropout (float): attention dropout. Defaults to 0.
        init_std (float): std of the random query init. Defaults to 0.02.
        query_residual (bool): see :class:`CategoryRegionBlock`.
            Reconstruction default: False.
        block_init (str): ``init`` of :class:`CategoryRegionBlock`.
            Reconstruction default: 'pooling'.
        normalise_values (bool): see :class:`CategoryRegionBlock`.
            Reconstruction default: False.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self,
                 num_classes: int,
                 embed_dim: int,
                 num_heads: int = 8,
                 num_layers: int = 1,
                 mlp_ratio: float = 1.,
                 dropout: float = 0.,
                 init_std: float = 0.02,
                 query_residual: bool = False,
                 block_init: str = 'pooling',
                 normalise_values: bool = False,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        self.queries = nn.Parameter(
            torch.randn(num_classes, embed_dim) * init_std)
        self.blocks = nn.ModuleList([
            CategoryRegionBlock(embed_dim, num_heads,
                                int(round(embed_dim * mlp_ratio)), dropout,
                                query_residual=query_residual,
                                init=block_init,
                                normalise_values=normalise_values)
            for _ in range(num_layers)
        ])

    @torch.no_grad()
    def init_queries(self, text: torch.Tensor) -> None:
        """Copy class text embeddings [C, D] into the queries."""
        if text.shape != self.queries.shape:
            raise ValueError(
                f'CategoryRegionAttention: text embeddings of shape '
                f'{tuple(text.shape)} cannot initialise queries of shape '
                f'{tuple(self.queries.shape)}; the head was built for '
                f'{self.queries.shape[0]} classes')
        self.queries.copy_(text)

    def forward(self, tokens: torch.Tensor, need_weights: bool = False
                ) -> Tuple[torch.Tensor, Optional[torch.Tensor]]:
        """Args:
            tokens (Tensor): dense image tokens [B, N, D].
            need_weights (bool): return the last block's attention.

        Returns:
            tuple: region features [B, C, D] and attention [B, C, N] or
            None.
        """
        x = self.queries.to(tokens.dtype).expand(tokens.shape[0], -1, -1)
        weights = None
        for block in self.blocks:
            x, weights = block(x, tokens, need_weights)
        return x, weights
