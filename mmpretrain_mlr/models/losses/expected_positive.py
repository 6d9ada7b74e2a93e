"""Expected positive regularisation (EPR) of Cole et al. (CVPR 2021)."""
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .base_loss import ObservedLabelLoss


@MODELS.register_module()
class ExpectedPositiveRegularizationLoss(ObservedLabelLoss):
    """EPR (Cole, Mac Aodha, Lorieul, Perona, Morris and Jojic, "Multi-Label
    Learning from Single Positive Labels", CVPR 2021).

    With p = sigmoid(logit):

    - observed positive (+1): ``-log(p)``, summed and divided by ``B * C``
      (the authors' ``compute_batch_loss``);
    - unknown (0) and known negative (-1): no BCE term; they enter only
      through the regulariser.

    Regulariser, with k = ``expected_num_pos`` and C classes. By default
    (``per_image=False``) it is the one of the paper and of the authors' code
    (github.com/elijahcole/single-positive-multi-label, ``losses.py``,
    ``expected_positive_regularizer`` divided by ``num_classes ** 2``): the
    batch mean of the per-image predicted positive count is compared to k,

        ``R = ((mean_b sum_c p_bc - k) / C)^2``.

    With ``per_image=True`` each image is compared to k and the squares are
    averaged: ``R = mean_b ((sum_c p_bc - k) / C)^2``. The loss is
    ``bce + reg_weight * R``; the authors add R with weight 1.

    The authors' k per dataset (``train.py``): VOC 1.5, COCO 2.5,
    NUS-WIDE 1.9, CUB 31.4 -- the mean number of true positives per
    training image. There is no default.

    Args:
        expected_num_pos (float): k, the expected number of positives per
            image. Required.
        reg_weight (float): weight of the regulariser. Defaults to 1
            (authors' code).
        per_image (bool): square per image before the batch mean instead of
            after. Defaults to False (paper and code).
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    def __init__(self,
                 expected_num_pos: float,
                 reg_weight: float = 1.0,
                 per_image: bool = False,
                 loss_weight: float = 1.0):
        super().__init__(loss_weight)
        self.expected_num_pos = expected_num_pos
        self.reg_weight = reg_weight
        self.per_image = per_image

    def compute(self, logits: torch.Tensor,
                observed: torch.Tensor) -> torch.Tensor:
        num_classes = logits.shape[1]
        loss = torch.where(observed > 0, -F.logsigmoid(logits),
                           torch.zeros_like(logits))
        bce = loss.sum() / loss.numel()
        count = torch.sigmoid(logits).sum(dim=1)
        if self.per_image:
            reg = ((count - self.expected_num_pos) / num_classes).pow(2).mean()
        else:
            reg = ((count.mean() - self.expected_num_pos) / num_classes)**2
        return (bce + self.reg_weight * reg)
