"""Entropy maximisation with asymmetric pseudo-labelling (EM+APL) of Zhou et
al. (ECCV 2022)."""
import torch
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .entropy_maximization import EntropyMaximizationLoss
from .stateful import (EpochDependentLoss, all_gather_rows, check_num_classes,
                       last_occurrence)


@MODELS.register_module()
class EntropyMaximizationAPLLoss(EpochDependentLoss):
    """EM+APL (Zhou, Chen, Wang, Wu and Wang, "Acknowledging the Unknown for
    Multi-label Learning with Single Positive Labels", ECCV 2022).

    The loss is :class:`EntropyMaximizationLoss` (observed positive
    ``-log p``, unknown ``-alpha * H(p)``, known negative ``-log(1 - p)``,
    sum divided by ``B * C``), except that an unknown entry carrying a
    pseudo-label ``s`` costs instead

        ``-beta * (s log p + (1 - s) log(1 - p))``

    as in ``loss_EM_APL`` of the authors' code (github.com/Correr-Zhou/
    SPML-AckTheUnknown, ``losses.py``).

    Asymmetric pseudo-labels are soft *negatives*, assigned class by class
    when each epoch from ``warmup_epoch`` on is about to start
    (:meth:`set_epoch`), as the authors' ``aysmmetric_pseudo_labeling``
    (``main.py``) runs after each training epoch ``>= warmup_epoch``
    (1-based there): for class c, among the unknown entries without a
    pseudo-label, the ``int(neg_proportion * U_c / (num_epochs -
    warmup_epoch))`` with the lowest predicted probability get the
    pseudo-label ``s = p`` (that probability), ``U_c`` being the number of
    unknown entries of class c in the training set. Known negatives (-1)
    keep their hard BCE and are never pseudo-labelled.

    Predictions: a buffer ``pred_cache`` [num_samples, C] keeps the latest
    probability of every unknown entry (all-gathered across processes),
    and ``pseudo_target`` [num_samples, C] (-1 where none) the
    pseudo-labels; both are saved in checkpoints. By default the training
    steps themselves fill the cache; with
    :class:`~mmpretrain_mlr.engine.hooks.TrainingSetInferenceHook` an extra
    eval-mode pass over the training set after each epoch fills it, as the
    authors' code does (:meth:`record_predictions`).

    Defaults are the authors' COCO values (``main.py``): alpha 0.1,
    beta 0.9, warmup_epoch 5, neg_proportion 0.9, num_epochs 10. Their other
    datasets: VOC alpha 0.2, beta 0.02, warm-up 5; NUS-WIDE 0.1, 0.2, 4;
    CUB 0.01, 0.4, 3.

    Args:
        num_samples (int): size of the training set.
        num_classes (int): number of classes.
        alpha (float): weight of the entropy term on unknowns.
            Defaults to 0.1.
        beta (float): weight of the loss on pseudo-labelled entries.
            Defaults to 0.9.
        warmup_epoch (int): number of training epochs before the first
            pseudo-labels. Defaults to 5.
        num_epochs (int): length of the schedule; pseudo-labelling spreads
            ``neg_proportion`` of the unknowns over ``num_epochs -
            warmup_epoch`` rounds. Defaults to 10.
        neg_proportion (float): fraction of the unknowns of each class to
            pseudo-label over the schedule. Defaults to 0.9.
        loss_weight (float): multiplier of the loss. Defaults to 1.
    """

    needs_sample_idx = True

    def __init__(self,
                 num_samples: int,
                 num_classes: int,
                 alpha: float = 0.1,
                 beta: float = 0.9,
                 warmup_epoch: int = 5,
                 num_epochs: int = 10,
                 neg_proportion: float = 0.9,
                 loss_weight: float = 1.0):
        super().__init__(loss_weight)
        if num_epochs <= warmup_epoch:
            raise ValueError(f'num_epochs ({num_epochs}) must exceed '
                             f'warmup_epoch ({warmup_epoch})')
        self.num_samples = num_samples
        self.num_classes = num_classes
        self.em = EntropyMaximizationLoss(alpha=alpha)
        self.alpha = alpha
        self.beta = beta
        self.warmup_epoch = warmup_epoch
        self.num_epochs = num_epochs
        self.neg_proportion = neg_proportion
        self.register_buffer('pred_cache',
                             torch.full((num_samples, num_classes), -1.))
        self.register_buffer('pseudo_target',
                             torch.full((num_samples, num_classes), -1.))

    def set_epoch(self, epoch: int) -> None:
        """Store the epoch; entering a new epoch ``>= warmup_epoch`` assigns
        a round of pseudo-labels."""
        previous = int(self.epoch)
        super().set_epoch(epoch)
        if epoch > previous and epoch >= self.warmup_epoch:
            self._pseudo_label()

    @torch.no_grad()
    def _pseudo_label(self) -> None:
        cache = self.pred_cache  # [N, C]
        num_unknown = (cache >= 0).sum(dim=0).double()  # [C]
        per_round = (self.neg_proportion * num_unknown /
                     (self.num_epochs - self.warmup_epoch)).floor().long()
        free = (cache >= 0) & (self.pseudo_target < 0)
        scores, rows = cache.masked_fill(~free, float('inf')).sort(
            dim=0, stable=True)  # ascending, per class
        rank = torch.arange(cache.shape[0], device=cache.device)[:, None]
        take = (rank < per_round) & torch.isfinite(scores)
        cols = torch.arange(cache.shape[1],
                            device=cache.device).expand_as(rows)
        rows, cols = rows[take], cols[take]
        self.pseudo_target[rows, cols] = cache[rows, cols]

    @torch.no_grad()
    def record_predictions(self, prob: torch.Tensor, observed: torch.Tensor,
                           sample_idx: torch.Tensor) -> None:
        """Store the probabilities of the unknown entries of some images.

        Args:
            prob (Tensor): [B, C] probabilities.
            observed (Tensor): [B, C] observed labels in {+1, -1, 0}.
            sample_idx (Tensor): [B] dataset indices.
        """
        prob = prob.to(self.pred_cache.dtype)  # e.g. float64 pred_score
        sample_idx, prob, observed = all_gather_rows(sample_idx, prob,
                                                     observed)
        sample_idx, last = last_occurrence(sample_idx)
        self.pred_cache[sample_idx] = torch.where(
            observed[last] == 0, prob[last], torch.full_like(prob[last], -1))

    def compute(self, logits: torch.Tensor, observed: torch.Tensor,
                sample_idx: torch.Tensor) -> torch.Tensor:
        check_num_classes(self, logits)
        self.warn_if_epoch_unset()
        prob = torch.sigmoid(logits)
        self.record_predictions(prob.detach(), observed, sample_idx)
        target = self.pseudo_target[sample_idx]  # [B, C]
        pseudo = (observed == 0) & (target >= 0)
        log_p, log_not_p = F.logsigmoid(logits), F.logsigmoid(-logits)
        # On pseudo-labelled entries, swap EM's -alpha * H(p) for the APL term.
        entropy = -(prob * log_p + (1 - prob) * log_not_p)
        apl = self.alpha * entropy - self.beta * (target * log_p +
                                                  (1 - target) * log_not_p)
        apl = torch.where(pseudo, apl, torch.zeros_like(apl))
        return self.em.compute(logits, observed) + apl.sum() / apl.numel()
