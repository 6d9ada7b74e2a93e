"""Multimodal category prototypes: per-class visual prototypes (EMA of
region features of known positives) and text prototypes, scoring unknown
label entries for pseudo-labels."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from ..utils import all_reduce_sum, check_same_on_all_ranks


@MODELS.register_module()
class CategoryPrototypes(nn.Module):
    """Visual prototypes P [C, D] and the evidence they give about unknown
    entries (TRM-ML; Ma et al., ACM MM 2024; every rule here is a
    reconstruction default, see the method's README).

    - Update (each training step, from known positives): per class, the
      mean of the L2-normalised region features R[b, c] over the batch's
      known-positive entries; per-class sums and counts are all-reduced
      first, so every process applies the same update. A class's first
      mean becomes its prototype; later ones enter by EMA,
      ``P = normalize(momentum * P + (1 - momentum) * mean)``. The running
      mean ``m[c]`` of the intra-class affinity over known positives is
      kept by the same EMA.
    - Score of an entry (b, c): intra-class affinity
      ``a = (cos(R, P_c) + cos(R, T_c)) / 2``; inter-class evidence
      ``r = softmax_c'(cos(R, P_c') / tau_proto)[c]`` over the classes that
      have a prototype; ``u = r * sigmoid((a - m_c) / tau_affinity)``.
      Classes without a prototype yet score NaN (no evidence).

    State lives in buffers (saved in checkpoints, restored on resume).

    Args:
        num_classes (int): C.
        embed_dim (int): D.
        momentum (float): EMA momentum. Defaults to 0.9.
        tau_proto (float): temperature of the inter-class softmax.
            Defaults to 0.1.
        tau_affinity (float): temperature of the affinity gate. Defaults
            to 0.05.
    """

    def __init__(self,
                 num_classes: int,
                 embed_dim: int,
                 momentum: float = 0.9,
                 tau_proto: float = 0.1,
                 tau_affinity: float = 0.05):
        super().__init__()
        if not 0 <= momentum < 1:
            raise ValueError('CategoryPrototypes: momentum must be in '
                             f'[0, 1), got {momentum}')
        self.momentum = momentum
        self.tau_proto = tau_proto
        self.tau_affinity = tau_affinity
        self.register_buffer('visual', torch.zeros(num_classes, embed_dim))
        self.register_buffer('affinity_mean', torch.zeros(num_classes))
        self.register_buffer('has_prototype',
                             torch.zeros(num_classes, dtype=torch.bool))

    def _ema(self, old: torch.Tensor, new: torch.Tensor,
             seen: torch.Tensor) -> torch.Tensor:
        """EMA where a class was seen before, the new value where not."""
        mixed = self.momentum * old + (1 - self.momentum) * new
        return torch.where(seen, mixed, new)

    def affinity(self, regions: torch.Tensor,
                 text: torch.Tensor) -> torch.Tensor:
        """Intra-class affinity a [B, C] of normalised regions [B, C, D]
        with their class's visual and text prototypes."""
        to_visual = (regions * self.visual.to(regions.dtype)).sum(-1)
        to_text = (regions * text.to(regions.dtype)).sum(-1)
        return (to_visual + to_text) / 2

    @torch.no_grad()
    def update(self, regions: torch.Tensor, text: torch.Tensor,
               positives: torch.Tensor) -> None:
        """Update from the known positives of a step (every process must
        call it, with its own batch).

        Args:
            regions (Tensor): L2-normalised region features [B, C, D].
            text (Tensor): L2-normalised class text embeddings [C, D].
            positives (Tensor): bool [B, C], known-positive entries.
        """
        weights = positives.to(regions.dtype)  # [B, C]
        feature_sum = torch.einsum('bc,bcd->cd', weights, regions)
        affinity_sum = (weights * self.affinity(regions, text)).sum(0)
        feature_sum, affinity_sum, counts = all_reduce_sum(
            feature_sum.float(), affinity_sum.float(), weights.sum(0).float())
        present = counts > 0  # [C]
        denominator = counts.clamp(min=1)
        mean_feature = F.normalize(feature_sum / denominator[:, None], dim=-1)
        mean_affinity = affinity_sum / denominator
        seen = self.has_prototype & present
        visual = F.normalize(
            self._ema(self.visual, mean_feature, seen[:, None]), dim=-1)
        self.visual.copy_(torch.where(present[:, None], visual, self.visual))
        # the affinity of the first batch was taken against an empty
        # prototype: its running mean starts at the second batch
        self.affinity_mean.copy_(torch.where(
            seen, self._ema(self.affinity_mean, mean_affinity, seen),
            self.affinity_mean))
        self.has_prototype |= present

    @torch.no_grad()
    def score(self, regions: torch.Tensor, text: torch.Tensor
              ) -> torch.Tensor:
        """Prototype evidence u [B, C] in [0, 1] (NaN for classes without a
        prototype).

        Args:
            regions (Tensor): L2-normalised region features [B, C, D].
            text (Tensor): L2-normalised class text embeddings [C, D].
        """
        known = self.has_prototype
        # cos(R[b, c], P[c']) for every class pair: [B, C, C']
        cross = torch.einsum('bcd,kd->bck', regions,
                             self.visual.to(regions.dtype))
        cross = cross.masked_fill(~known, float('-inf'))
        inter = torch.softmax(cross / self.tau_proto, dim=-1)
        inter = torch.diagonal(inter, dim1=1, dim2=2)  # [B, C]
        gate = torch.sigmoid(
            (self.affinity(regions, text) - self.affinity_mean) /
            self.tau_affinity)
        return torch.where(known, inter * gate,
                           torch.full_like(gate, float('nan')))

    def check_synchronised(self) -> None:
        """Raise, naming the ranks, if processes hold different
        prototypes."""
        check_same_on_all_ranks(
            dict(visual=self.visual, affinity_mean=self.affinity_mean,
                 has_prototype=self.has_prototype),
            'TRM-ML category prototypes')

    def extra_repr(self) -> str:
        return (f'num_classes={self.visual.shape[0]}, embed_dim='
                f'{self.visual.shape[1]}, momentum={self.momentum}')
