"""Assume-negative losses (AN, AN-LS, WAN) of Cole et al. (CVPR 2021)."""
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .base_loss import ObservedLabelLoss


@MODELS.register_module()
class AssumeNegativeLoss(ObservedLabelLoss):
    """"Assume negative" BCE (Cole, Mac Aodha, Lorieul, Perona, Morris and
    Jojic, "Multi-Label Learning from Single Positive Labels", CVPR 2021),
    with its label-smoothing (AN-LS) and weighted (WAN) variants.

    Every entry that is not an observed positive (+1) -- unknown (0) or known
    negative (-1) -- is treated as a negative. With p = sigmoid(logit) and
    smoothing ``ls``, targets are ``t = 1 - ls`` on positives and ``t = ls``
    elsewhere, and each entry costs

        ``-(t * log p + (1 - t) * log(1 - p))``

    which is exactly ``loss_an_ls`` in the authors' code
    (github.com/elijahcole/single-positive-multi-label, ``losses.py``).
    With ``negative_weight='wan'`` every non-positive entry is multiplied by
    ``1 / (C - 1)`` and positives keep weight 1 (``loss_wan`` there). The loss
    is the sum over all entries divided by ``B * C``, as in the authors'
    ``compute_batch_loss``. Logarithms use ``logsigmoid`` (the authors add
    1e-5 inside the log instead).

    - AN: ``label_smoothing=0, negative_weight='none'``.
    - AN-LS: ``label_smoothing=0.1`` (``ls_coef = 0.1`` in the authors'
      ``train.py``).
    - WAN: ``negative_weight='wan'``.

    Args:
        label_smoothing (float): ``ls`` above. Defaults to 0.
        negative_weight (str): ``'none'`` or ``'wan'``. Defaults to
            ``'none'``.
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self,
                 label_smoothing: float = 0.0,
                 negative_weight: str = 'none',
                 loss_weight: float = 1.0):
        super().__init__(loss_weight)
        if negative_weight not in ('none', 'wan'):
            raise ValueError("negative_weight must be 'none' or 'wan', got "
                             f'{negative_weight!r}')
        if not 0 <= label_smoothing < 1:
            raise ValueError('label_smoothing must lie in [0, 1), got '
                             f'{label_smoothing}')
        self.label_smoothing = label_smoothing
        self.negative_weight = negative_weight

    def compute(self, logits: torch.Tensor,
                observed: torch.Tensor) -> torch.Tensor:
        num_classes = logits.shape[1]
        positive = observed > 0
        ls = self.label_smoothing
        target = torch.where(positive, torch.full_like(logits, 1 - ls),
                             torch.full_like(logits, ls))
        loss = -(target * F.logsigmoid(logits) +
                 (1 - target) * F.logsigmoid(-logits))
        if self.negative_weight == 'wan':
            if num_classes < 2:
                raise ValueError('WAN needs at least two classes')
            loss = torch.where(positive, loss, loss / (num_classes - 1))
        return loss.sum() / loss.numel()
