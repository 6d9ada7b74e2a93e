"""Keep learned region features in frozen CLIP's embedding space."""
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from ...utils.checks import check_choice


@MODELS.register_module()
class RegionDistillationLoss(nn.Module):
    """Knowledge distillation from frozen CLIP to region features (TRM-ML;
    Ma et al., ACM MM 2024; both forms are reconstruction defaults).

    - ``'feature'``: ``1 - cos(mean_c R[b, c], g[b])`` averaged over images:
      the class-averaged region feature stays close to the frozen image
      embedding g.
    - ``'logits'``: binary cross-entropy from frozen CLIP's zero-shot
      probabilities ``sigmoid(teacher_logit_scale * cos(g, T))`` to the
      model's ``sigmoid(logits)``, on the unknown entries only (mean over
      them; 0 when none).

    Args:
        mode (str): ``'feature'`` or ``'logits'``. Defaults to 'feature'.
        teacher_logit_scale (float): s0 of the ``'logits'`` form. Defaults
            to 100 (CLIP's). Note that at this scale the teacher's
            sigmoids are close to 1 for every class with a positive cosine.
        loss_weight (float): multiplier. Defaults to 1.
    """

    def __init__(self, mode: str = 'feature',
                 teacher_logit_scale: float = 100.,
                 loss_weight: float = 1.0):
        super().__init__()
        check_choice('RegionDistillationLoss', 'mode', mode,
                     ('feature', 'logits'))
        self.mode = mode
        self.teacher_logit_scale = teacher_logit_scale
        self.loss_weight = loss_weight

    def forward(self, regions: torch.Tensor, image_embed: torch.Tensor,
                logits: torch.Tensor, text: torch.Tensor,
                observed: torch.Tensor) -> torch.Tensor:
        """Args:
            regions (Tensor): region features [B, C, D].
            image_embed (Tensor): frozen CLIP image embeddings g [B, D].
            logits (Tensor): the model's logits [B, C].
            text (Tensor): class text embeddings [C, D].
            observed (Tensor): observed labels [B, C] in {+1, -1, 0}.

        Returns:
            Tensor: the scalar loss.
        """
        image_embed = F.normalize(image_embed.detach().to(regions.dtype),
                                  dim=-1)
        if self.mode == 'feature':
            mean_region = regions.mean(dim=1)  # [B, D]
            cos = F.cosine_similarity(mean_region, image_embed, dim=-1)
            return self.loss_weight * (1 - cos).mean()
        unknown = observed == 0
        if not bool(unknown.any()):
            return logits.sum() * 0.
        teacher = torch.sigmoid(
            self.teacher_logit_scale * image_embed @ F.normalize(
                text.detach().to(image_embed.dtype), dim=-1).T)  # [B, C]
        loss = F.binary_cross_entropy_with_logits(
            logits[unknown], teacher[unknown])
        return self.loss_weight * loss
