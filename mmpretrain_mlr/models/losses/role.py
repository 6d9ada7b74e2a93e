"""Regularized online label estimation (ROLE) of Cole et al. (CVPR 2021)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .base_loss import ObservedLabelLoss
from .stateful import check_num_classes


def expected_positive_gap(prob: torch.Tensor,
                          expected_num_pos: float) -> torch.Tensor:
    """``((mean_b sum_c prob_bc - k) / C)^2`` for prob [B, C]."""
    return ((prob.sum(dim=1).mean() - expected_num_pos) / prob.shape[1])**2


@MODELS.register_module()
class ROLELoss(ObservedLabelLoss):
    """ROLE (Cole, Mac Aodha, Lorieul, Perona, Morris and Jojic, "Multi-Label
    Learning from Single Positive Labels", CVPR 2021).

    The loss learns, next to the classifier, a label estimate ``e`` for
    every (training image, class): a trainable table ``label_logits``
    [num_samples, C] with ``e = sigmoid(label_logits)``, indexed by the
    dataset index of each image (so it needs ``sample_idx``). Estimates of
    observed entries are clamped: ``e = 1`` on observed positives (+1) and
    ``e = 0`` on known negatives (-1); only unknown entries (0) are
    estimated. With p = sigmoid(logit), ``BCE(y, t) = -(t log y + (1 - t)
    log(1 - y))`` and a bar for a detached tensor, each entry costs

        ``0.5 * [+1] * (-log p) + 0.5 * BCE(p, e_bar)
        + 0.5 * [0] * BCE(e, p_bar)``

    (image side: observed positives and the detached estimates as targets;
    label side: the detached predictions as targets of the estimates), summed
    over the batch and divided by ``B * C``, plus

        ``0.5 * (R(p) + R(e))``, ``R(x) = ((mean_b sum_c x_bc - k) / C)^2``

    the expected-positive regulariser of EPR on both with k =
    ``expected_num_pos``. This is ``loss_role`` of the authors' code
    (github.com/elijahcole/single-positive-multi-label, ``losses.py``),
    except that there the estimates of observed entries are trained too
    (initialised at 0.995 / 0.005 and pushed to 1 by a ``-log e`` term);
    clamping fixes them at their limit, and their label-side terms, now
    constants, are dropped.

    Initialisation as the authors' ``models.py`` (``LabelEstimator``):
    unknown estimates uniform in ``[0.5 - 0.1, 0.5 + 0.1]`` in logit space,
    i.e. ``label_logits ~ U(-logit(0.6), logit(0.6))``.

    The authors train the table with 10 times the classifier's learning
    rate (``lr_mult = 10`` in ``train.py``, Adam, no weight decay); in a
    config::

        optim_wrapper = dict(paramwise_cfg=dict(custom_keys={
            'loss_module.label_logits': dict(lr_mult=10, decay_mult=0)}))

    Their k per dataset (``train.py``): VOC 1.5, COCO 2.5, NUS-WIDE 1.9,
    CUB 31.4. The table is a parameter, so under DDP its gradients are
    all-reduced and every process keeps the same estimates.

    Args:
        num_samples (int): size of the training set (rows of the table).
        num_classes (int): number of classes (columns of the table).
        expected_num_pos (float): k, the expected number of positives per
            image.
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    needs_sample_idx = True

    def __init__(self,
                 num_samples: int,
                 num_classes: int,
                 expected_num_pos: float,
                 loss_weight: float = 1.0):
        super().__init__(loss_weight)
        self.num_samples = num_samples
        self.num_classes = num_classes
        self.expected_num_pos = expected_num_pos
        bound = math.log(0.6 / 0.4)  # logit(0.5 + 0.1)
        self.label_logits = nn.Parameter(
            bound * (2 * torch.rand(num_samples, num_classes) - 1))

    def estimates(self, observed: torch.Tensor,
                  sample_idx: torch.Tensor) -> torch.Tensor:
        """Label estimates [B, C] of a batch, observed entries clamped."""
        est = torch.sigmoid(self.label_logits[sample_idx])
        est = torch.where(observed > 0, torch.ones_like(est), est)
        return torch.where(observed < 0, torch.zeros_like(est), est)

    def compute(self, logits: torch.Tensor, observed: torch.Tensor,
                sample_idx: torch.Tensor) -> torch.Tensor:
        check_num_classes(self, logits)
        est_logits = self.label_logits[sample_idx]  # [B, C]
        est = self.estimates(observed, sample_idx)
        prob = torch.sigmoid(logits)
        target = est.detach()
        image_side = -(target * F.logsigmoid(logits) +
                       (1 - target) * F.logsigmoid(-logits))
        image_side = image_side + torch.where(
            observed > 0, -F.logsigmoid(logits), torch.zeros_like(logits))
        target = prob.detach()
        label_side = -(target * F.logsigmoid(est_logits) +
                       (1 - target) * F.logsigmoid(-est_logits))
        label_side = torch.where(observed == 0, label_side,
                                 torch.zeros_like(label_side))
        main = 0.5 * (image_side + label_side).sum() / logits.numel()
        reg = 0.5 * (expected_positive_gap(prob, self.expected_num_pos) +
                     expected_positive_gap(est, self.expected_num_pos))
        return main + reg
