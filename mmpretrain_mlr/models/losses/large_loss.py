"""Large-loss rejection and correction (LL-R, LL-Ct, LL-Cp) of Kim et al.
(CVPR 2022)."""
import math
from typing import Optional

import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .stateful import EpochDependentLoss, all_gather_rows, check_num_classes
from ...utils.checks import check_choice

MODES = ('reject', 'correct_temporary', 'correct_permanent')


@MODELS.register_module()
class LargeLossLoss(EpochDependentLoss):
    """LL-R, LL-Ct and LL-Cp (Kim, Kim, Akata and Lee, "Large Loss Matters
    in Weakly Supervised Multi-Label Classification", CVPR 2022).

    The base is the assume-negative BCE: observed positives (+1) cost
    ``-log p``, every other entry ``-log(1 - p)``, with p = sigmoid(logit);
    the loss is the sum over the batch divided by ``B * C``
    (``compute_batch_loss`` in github.com/snucml/LargeLossMatters,
    ``losses.py``). Among the *unknown* (0) entries of the batch, the ``k``
    with the largest ``-log(1 - p)`` are

    - ``mode='reject'`` (LL-R): dropped -- cost 0, zero gradient;
    - ``mode='correct_temporary'`` (LL-Ct): scored as positives,
      ``-log p``, for this step only;
    - ``mode='correct_permanent'`` (LL-Cp): scored as positives and
      remembered: from then on the entry counts as an observed positive of
      that image (a ``corrected`` buffer [num_samples, C], saved in
      checkpoints and kept identical on every process by all-gathering the
      corrections of each step).

    ``k = ceil(B * C * rate)`` (capped at the number of unknown entries of
    the batch), with ``rate = delta_rel * epoch`` for R and Ct and
    ``rate = delta_rel`` for Cp, and ``epoch`` counted from 0: the first
    epoch modifies nothing. This is the authors' schedule (``train.py``:
    ``llr_rel`` starts at 1 and loses ``delta_rel`` after every epoch;
    ``losses.py``: ``k = ceil(B * C * (1 - llr_rel))``, and for LL-Cp
    ``k = ceil(B * C * delta_rel)`` once ``k`` is non-zero).

    Known negatives (-1, from partial labels) are negatives and are never
    rejected or corrected: only unknowns can be false negatives. Under
    several processes each process selects within its own batch.

    Differences from the authors' code: they select with a threshold (the
    k-th largest value; ties at it are all modified, and when k exceeds the
    unknowns, observed entries at loss 0 too) and record for LL-Cp only the
    entries strictly above it; here exactly the k largest unknown entries
    are modified and recorded.

    The authors' command line takes ``delta_rel`` in percent (``{0.1,
    ..., 0.5}``, divided by 100 in ``config.py``); here it is a fraction.
    The default 0.002 (0.2 % per epoch) is the value quoted for the method;
    tune it per dataset within 0.001 -- 0.005.

    Args:
        mode (str): ``'reject'``, ``'correct_temporary'`` or
            ``'correct_permanent'``. Defaults to ``'reject'``.
        delta_rel (float): fraction of the B * C entries of a batch added
            to the modified ones per epoch (a fraction, not percent).
            Defaults to 0.002.
        num_samples (int, optional): size of the training set; required
            by ``'correct_permanent'``, which then needs ``sample_idx``.
        num_classes (int, optional): number of classes; required by
            ``'correct_permanent'``.
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self,
                 mode: str = 'reject',
                 delta_rel: float = 0.002,
                 num_samples: Optional[int] = None,
                 num_classes: Optional[int] = None,
                 loss_weight: float = 1.0):
        super().__init__(loss_weight)
        check_choice('LargeLossLoss', 'mode', mode, MODES)
        if not 0 <= delta_rel <= 1:
            raise ValueError('delta_rel is a fraction in [0, 1] (0.002 = '
                             f'0.2 % per epoch), got {delta_rel}')
        self.mode = mode
        self.delta_rel = delta_rel
        self.needs_sample_idx = mode == 'correct_permanent'
        if self.needs_sample_idx:
            if num_samples is None or num_classes is None:
                raise ValueError(
                    "mode='correct_permanent' keeps corrections per image: "
                    'set num_samples (training set size) and num_classes, '
                    f'got num_samples={num_samples}, '
                    f'num_classes={num_classes}')
            self.num_samples = num_samples
            self.num_classes = num_classes
            self.register_buffer(
                'corrected',
                torch.zeros(num_samples, num_classes, dtype=torch.bool))

    def rate(self) -> float:
        """Fraction of the batch's entries modified in this epoch."""
        epoch = self.current_epoch
        if self.mode == 'correct_permanent':
            return self.delta_rel if epoch > 0 else 0.0
        return min(self.delta_rel * epoch, 1.0)

    def compute(self,
                logits: torch.Tensor,
                observed: torch.Tensor,
                sample_idx: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.needs_sample_idx:
            check_num_classes(self, logits)
            observed = observed.masked_fill(self.corrected[sample_idx], 1)
        loss_pos = F.softplus(-logits)  # -log p
        loss_neg = F.softplus(logits)  # -log(1 - p)
        loss = torch.where(observed > 0, loss_pos, loss_neg)
        rate = self.rate()
        if rate > 0:
            large = self._largest_unknown(loss_neg.detach(), observed == 0,
                                          rate)
            if self.mode == 'reject':
                loss = loss.masked_fill(large, 0)
            else:
                loss = torch.where(large, loss_pos, loss)
            if self.needs_sample_idx:
                self._remember(sample_idx, large)
        return loss.sum() / loss.numel()

    @staticmethod
    def _largest_unknown(loss_neg: torch.Tensor, unknown: torch.Tensor,
                         rate: float) -> torch.Tensor:
        """Mask [B, C] of the ceil(B * C * rate) unknown entries with the
        largest ``loss_neg``."""
        # round() keeps float noise (1280 * 0.002 = 2.5600000000000001)
        # from adding one entry when B * C * rate is a whole number.
        k = min(math.ceil(round(loss_neg.numel() * rate, 9)),
                int(unknown.sum()))
        large = torch.zeros_like(unknown)
        if k > 0:
            scores = loss_neg.masked_fill(~unknown, float('-inf'))
            large.view(-1)[scores.flatten().topk(k).indices] = True
        return large

    @torch.no_grad()
    def _remember(self, sample_idx: torch.Tensor, large: torch.Tensor):
        """Record the corrections of every process's batch."""
        sample_idx, large = all_gather_rows(sample_idx, large)
        rows, cols = large.nonzero(as_tuple=True)
        self.corrected[sample_idx[rows], cols] = True
