"""TRM-ML: text-region matching with category-aware regions, multimodal
contrastive learning and prototype pseudo-labels."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ..utils import EpochStateMixin, all_reduce_sum
from .base_head import ObservedLabelHead
from ..layers.category_region_attention import CategoryRegionAttention
from ..layers.heatmaps import tokens_to_heatmaps
from ...utils.checks import check_choice

#: per-epoch pseudo-label counters, in the order of the ``pl_counts`` buffer
PSEUDO_COUNTERS = ('unknown', 'pos', 'pos_correct', 'neg', 'neg_correct',
                   'known')


def _build_optional(cfg: Union[dict, nn.Module, None], **context):
    if cfg is None or isinstance(cfg, nn.Module):
        return cfg
    return MODELS.build(dict(cfg, **context))


@MODELS.register_module()
class TRMHead(EpochStateMixin, ObservedLabelHead):
    """Text-region matching head (Ma et al., *TRM-ML: Text-Region Matching
    for Multi-Label Image Recognition with Missing Labels*, ACM MM 2024).

    Category queries attend over the dense image tokens and give one
    region feature per class, R [B, C, D]; each class's text embedding is
    matched one-to-one with its own region::

        logit[b, c] = s * (cos(R[b, c], T+[c]) - cos(R[b, c], T-[c]))

    with negative prompts (DualCoOp's learner); with one prompt set, the
    second term is the region's mean cosine to all class texts
    (``centre_logits``), so that a logit says how much better a region
    matches its own class than the vocabulary on average.

    Loss terms (each logged apart):

    - ``loss_cls``: ``loss`` (masked ASL) on the known entries;
    - ``loss_pl``: the same loss on pseudo-labelled unknown entries, times
      ``pseudo_label_weight`` (with ``prototypes``; 0 during warm-up);
    - ``loss_kd``: ``distillation`` of the region features towards frozen
      CLIP's image embedding (the teacher's, when the classifier has one);
    - ``loss_con``: ``contrastive`` loss between the region features of
      positive entries and the class texts.

    Pseudo-labels: after ``warmup_epochs`` epochs, an unknown entry whose
    combined score ``(u + sigmoid(logit)) / 2`` (u from the prototypes) is
    at least ``pseudo_positive_thr`` becomes a positive, at most
    ``pseudo_negative_thr`` a negative. They never override known labels
    and carry no gradient. Their number and precision against the full
    ground truth (``gt_label``, never given to a loss) are counted per
    epoch and returned by :meth:`summarise_epoch` (``EpochSummaryHook``
    logs them); the prototypes are then checked to be identical on every
    process.

    Setting ``distillation``, ``contrastive`` or ``prototypes`` to None
    removes that component (the paper's ablations).

    Args:
        num_classes (int): C; passed in by the classifier.
        embed_dim (int): D; passed in by the classifier.
        loss (dict | nn.Module): classification loss on (logits,
            labels in {+1, -1, 0}). Defaults to ``MaskedAsymmetricLoss``
            (gamma+ 1, gamma- 2, clip 0.05).
        region_attention (dict): arguments of
            :class:`CategoryRegionAttention` (``num_heads`` 8,
            ``num_layers`` 1, ``mlp_ratio`` 1; the attention's form,
            reconstruction defaults: ``query_residual=False``,
            ``block_init='pooling'``, ``normalise_values=False``).
        query_init (str): ``'text'`` (queries start as the class text
            embeddings, given by the classifier when it is built:
            :meth:`init_from_class_embeddings`) or ``'random'``. Defaults
            to 'text'.
        logit_scale (float): s at start. Defaults to 50.
        centre_logits (bool): with one prompt set, subtract the region's
            mean cosine to all class texts. Defaults to True: CLIP's
            cosines of matching and other pairs differ by hundredths around
            a positive mean, so the paper's uncentred ``s * cos`` puts
            every class far on the positive side of the sigmoid at the
            start, where the loss has no gradient.
        matching (str): ``'regions'`` (each class's text against its
            category-aware region, the method) or ``'global'`` (the ablation
            of text-global matching: every class's text against the image's
            global feature; the queries are then unused). Defaults to
            'regions'.
        learnable_scale (bool): learn s. Defaults to True.
        distillation (dict, optional): a :class:`RegionDistillationLoss`
            config. Defaults to the feature form, weight 1.
        contrastive (dict, optional): a :class:`MultimodalContrastiveLoss`
            config. Defaults to temperature 0.07, weight 0.1.
        contrast_pseudo_positives (bool): pseudo-positives are anchors of
            the contrastive loss too. Defaults to True.
        prototypes (dict, optional): a :class:`CategoryPrototypes` config
            (``num_classes`` and ``embed_dim`` are added). Defaults to
            momentum 0.9, tau_proto 0.1, tau_affinity 0.05.
        pseudo_label_weight (float): weight of ``loss_pl``. Defaults to 1.
        warmup_epochs (int): epochs before pseudo-labelling. Defaults to 1.
        pseudo_positive_thr (float): Defaults to 0.9.
        pseudo_negative_thr (float): Defaults to 0.1.
        threshold (float): prediction threshold. Defaults to 0.5.
        init_cfg (dict, optional): initialisation config.

    Note:
        The authors have not released code; every value above that the
        paper does not state is a reconstruction default, listed with what
        the paper says in ``configs/trm_ml/README.md``.
    """

    def __init__(self,
                 num_classes: int,
                 embed_dim: int,
                 loss: Union[dict, nn.Module] = dict(
                     type='MaskedAsymmetricLoss', gamma_pos=1.,
                     gamma_neg=2., clip=0.05),
                 region_attention: dict = dict(num_heads=8, num_layers=1,
                                               mlp_ratio=1.),
                 query_init: str = 'text',
                 logit_scale: float = 50.,
                 centre_logits: bool = True,
                 matching: str = 'regions',
                 learnable_scale: bool = True,
                 distillation: Optional[dict] = dict(
                     type='RegionDistillationLoss', mode='feature',
                     loss_weight=1.),
                 contrastive: Optional[dict] = dict(
                     type='MultimodalContrastiveLoss', temperature=0.07,
                     loss_weight=0.1),
                 contrast_pseudo_positives: bool = True,
                 prototypes: Optional[dict] = dict(
                     type='CategoryPrototypes', momentum=0.9, tau_proto=0.1,
                     tau_affinity=0.05),
                 pseudo_label_weight: float = 1.,
                 warmup_epochs: int = 1,
                 pseudo_positive_thr: float = 0.9,
                 pseudo_negative_thr: float = 0.1,
                 threshold: float = 0.5,
                 init_cfg=None):
        super().__init__(loss=loss, threshold=threshold, init_cfg=init_cfg)
        self.init_epoch_state()
        if query_init not in ('text', 'random'):
            raise ValueError("TRMHead: `query_init` must be 'text' or "
                             f"'random', got {query_init!r}")
        self.region_attention = CategoryRegionAttention(
            num_classes, embed_dim, **region_attention)
        self.register_buffer('queries_ready',
                             torch.tensor(query_init == 'random'))
        self.centre_logits = centre_logits
        check_choice('TRMHead', 'matching', matching, ('regions', 'global'))
        self.matching = matching
        scale = torch.tensor(float(logit_scale))
        if learnable_scale:
            self.logit_scale = nn.Parameter(scale)
        else:
            self.register_buffer('logit_scale', scale)
        self.distillation = _build_optional(distillation)
        self.contrastive = _build_optional(contrastive)
        self.prototypes = _build_optional(
            prototypes, num_classes=num_classes, embed_dim=embed_dim)
        if self.prototypes is not None and getattr(
                self.loss_module, 'needs_sample_idx', False):
            raise ValueError(
                f'TRMHead: {type(self.loss_module).__name__} keeps per-image '
                'state, so it cannot also score the pseudo-labels; use a '
                'stateless loss or prototypes=None')
        self.contrast_pseudo_positives = contrast_pseudo_positives
        self.pseudo_label_weight = pseudo_label_weight
        self.warmup_epochs = warmup_epochs
        if not 0 <= pseudo_negative_thr < pseudo_positive_thr <= 1:
            raise ValueError(
                'TRMHead: need 0 <= pseudo_negative_thr < '
                f'pseudo_positive_thr <= 1, got {pseudo_negative_thr} and '
                f'{pseudo_positive_thr}')
        self.pseudo_positive_thr = pseudo_positive_thr
        self.pseudo_negative_thr = pseudo_negative_thr
        self.register_buffer('pl_counts',
                             torch.zeros(len(PSEUDO_COUNTERS),
                                         dtype=torch.float64),
                             persistent=False)

    #: the category queries are per training class
    open_vocabulary = False

    @torch.no_grad()
    def init_from_class_embeddings(self, text: torch.Tensor) -> None:
        """With ``query_init='text'``, start the category queries as the
        (positive) class embeddings ``text`` [S, C, D]; called by the
        classifier when it is built."""
        if bool(self.queries_ready):
            return
        self.region_attention.init_queries(text[0])
        self.queries_ready.fill_(True)

    @property
    def needs_teacher(self) -> bool:
        """Distillation asks the classifier for its frozen teacher's
        features (when it has a teacher; else the image encoder's own
        global feature is the target, frozen CLIP's when the tower is
        frozen)."""
        return self.distillation is not None

    # ------------------------------------------------------------ forward
    def head_outputs(self, feats) -> Dict[str, torch.Tensor]:
        """Logits [B, C], region features [B, C, D] (raw and normalised)
        and the positive class texts [C, D]."""
        text = feats.text  # [S, C, D]
        if not bool(self.queries_ready):
            raise RuntimeError(
                "TRMHead(query_init='text') was not given the class "
                'embeddings its queries start from: call '
                'init_from_class_embeddings(text [S, C, D]) first (the '
                'classifier does so when it is built)')
        if self.matching == 'global':
            image = feats.image.global_feat  # [B, D]
            regions = image[:, None].expand(-1, text.shape[1], -1)
        else:
            regions, _ = self.region_attention(feats.image.dense_feat)
        normed = F.normalize(regions, dim=-1)  # [B, C, D]
        text = text.to(normed.dtype)
        sim = torch.einsum('bcd,scd->bsc', normed, text)  # [B, S, C]
        if sim.shape[1] == 2:
            logits = sim[:, 0] - sim[:, 1]
        elif self.centre_logits:
            # mean over c' of cos(R[b, c], T[c']): [B, C]
            logits = sim[:, 0] - normed @ text[0].mean(0)
        else:
            logits = sim[:, 0]
        logits = self.logit_scale * logits
        return dict(logits=logits, regions=regions, regions_normed=normed,
                    text=text[0])

    def forward(self, feats) -> torch.Tensor:
        """Args:
            feats (ClassifierFeatures): ``image.dense_feat`` [B, N, D] and
                ``text`` [S, C, D] (S = 1, or 2 with negative prompts).

        Returns:
            Tensor: logits [B, C].
        """
        return self.head_outputs(feats)['logits']

    @torch.no_grad()
    def class_heatmaps(self, feats, image_size) -> torch.Tensor:
        """The category queries' attention (last block, mean over heads)
        as maps over the image.

        Args:
            feats (ClassifierFeatures): as for :meth:`forward`.
            image_size (Sequence[int]): (H, W) of the network input.

        Returns:
            Tensor: [B, C, h, w], each map summing to 1.
        """
        if self.matching == 'global':
            raise ValueError("TRMHead(matching='global') matches the global "
                             'image feature: it has no class regions to map')
        _, attn = self.region_attention(feats.image.dense_feat,
                                        need_weights=True)  # [B, C, N]
        return tokens_to_heatmaps(attn, image_size)

    # ------------------------------------------------------------ targets
    @property
    def pseudo_labelling(self) -> bool:
        """Whether this training step draws pseudo-labels."""
        return (self.prototypes is not None and self.training
                and self.current_epoch >= self.warmup_epochs)

    def _get_targets(self, outputs, data_samples: List[DataSample]):
        """Observed labels plus ``pseudo`` [B, C] in {+1, -1, 0}: nonzero
        only on unknown entries, drawn without gradient."""
        targets = super()._get_targets(outputs, data_samples)
        observed = targets['observed']
        pseudo = torch.zeros_like(observed)
        if self.pseudo_labelling:
            with torch.no_grad():
                evidence = self.prototypes.score(outputs['regions_normed'],
                                                 outputs['text'])
                combined = (evidence + torch.sigmoid(outputs['logits'])) / 2
                unknown = observed == 0
                # NaN (no prototype yet) compares False: stays unknown
                pseudo[unknown & (combined >= self.pseudo_positive_thr)] = 1
                pseudo[unknown & (combined <= self.pseudo_negative_thr)] = -1
        targets['pseudo'] = pseudo
        if self.training:
            self._count(observed, pseudo, data_samples)
        return targets

    @torch.no_grad()
    def _count(self, observed: torch.Tensor, pseudo: torch.Tensor,
               data_samples: List[DataSample]) -> None:
        """Add the step's pseudo-labels and their correctness against the
        full ground truth to the epoch counters."""
        truth = torch.zeros_like(observed, dtype=torch.bool)
        for row, ds in zip(truth, data_samples):
            if 'gt_label' in ds:
                row[torch.as_tensor(ds.gt_label, device=row.device).long()] \
                    = True
        pos, neg = pseudo == 1, pseudo == -1
        counts = torch.stack([
            (observed == 0).sum(), pos.sum(), (pos & truth).sum(), neg.sum(),
            (neg & ~truth).sum(), (observed != 0).sum()
        ]).to(self.pl_counts)
        self.pl_counts += counts

    # --------------------------------------------------------------- loss
    def _get_loss(self, outputs, targets, feats) -> dict:
        """The named terms; then the prototypes take this step's known
        positives (after this step's pseudo-labels were drawn)."""
        logits, regions = outputs['logits'], outputs['regions']
        observed, pseudo = targets['observed'], targets['pseudo']
        text = outputs['text']
        losses = dict(loss_cls=self.observed_label_loss(
            self.loss_module, logits, observed, targets))
        if self.prototypes is not None:
            losses['loss_pl'] = self.pseudo_label_weight * self.loss_module(
                logits, pseudo) if bool(pseudo.any()) else logits.sum() * 0.
        if self.distillation is not None:
            teacher = feats.teacher if feats.teacher is not None \
                else feats.image
            losses['loss_kd'] = self.distillation(
                regions, teacher.global_feat, logits, text, observed)
        if self.contrastive is not None:
            anchors = observed == 1
            if self.contrast_pseudo_positives:
                anchors = anchors | (pseudo == 1)
            losses['loss_con'] = self.contrastive(regions, text, anchors)
        if self.prototypes is not None:
            self.prototypes.update(outputs['regions_normed'].detach(),
                                   text.detach(), observed == 1)
        return losses

    # -------------------------------------------------------------- epoch
    def set_epoch(self, epoch: int) -> None:
        """Store the epoch and start its pseudo-label counters."""
        super().set_epoch(epoch)
        self.pl_counts.zero_()

    def summarise_epoch(self) -> Dict[str, float]:
        """Check that the prototypes agree on every process (raises,
        naming the ranks, if not) and return the epoch's pseudo-label
        figures, summed over processes: their numbers, their precision
        against the full ground truth (NaN when none were drawn) and the
        shares of known and pseudo-labelled entries."""
        if self.prototypes is not None:
            self.prototypes.check_synchronised()
        counts = dict(zip(PSEUDO_COUNTERS,
                          all_reduce_sum(self.pl_counts)[0].tolist()))
        total = counts['unknown'] + counts['known']
        summary = dict(known_share=counts['known'] / max(total, 1))
        if self.prototypes is None:
            return summary
        summary.update(
            pseudo_pos=counts['pos'], pseudo_neg=counts['neg'],
            pseudo_share=(counts['pos'] + counts['neg']) /
            max(counts['unknown'], 1))
        for kind in ('pos', 'neg'):  # NaN: none drawn, no precision
            summary[f'pseudo_{kind}_precision'] = (
                100 * counts[f'{kind}_correct'] / counts[kind]
                if counts[kind] > 0 else float('nan'))
        return summary
