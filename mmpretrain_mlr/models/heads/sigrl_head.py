"""SigRL: graph label correlation, semantic visual feature reconstruction
and local + global text matching."""
from typing import Dict, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.registry import MODELS

from .base_head import ObservedLabelHead
from ..layers.label_graph import LabelCorrelationGraph
from ..layers.semantic_reconstruction import SemanticVisualReconstruction


@MODELS.register_module()
class SigRLHead(ObservedLabelHead):
    """SigRL head (Zhang, Qiao, Xu, Shang and Chen, *Semantic-guided
    Representation Learning for Multi-Label Recognition*, ICME 2025).

    From the image encoder's global feature g [B, D] and patch features
    P [B, N, D] (a ViT's tokens after ``ln_post`` and the projection, not
    normalised) and the class embeddings E [C, D] of the vocabulary being
    scored (any vocabulary: the graph is rebuilt for each):

    - graph: G = :class:`LabelCorrelationGraph` (E) [C, D];
    - reconstruction: R = :class:`SemanticVisualReconstruction` (P, E, G)
      [B, N, D];
    - local score: mean of the ``topk`` largest ``<R[b, n], E[c]>`` over
      patches n; global score: ``<g[b], E[c]>``;
    - each stream L2-normalised over the classes of an image, and
      ``score = (local + global) / 2`` in [-1, 1] (no temperature).

    Loss terms: ``loss_cls``, ``loss`` on ``score_scale * score`` and the
    observed labels (the pairwise ranking loss for zero-shot training, EM
    for single positive labels); ``loss_kd``, ``distillation_weight`` times
    the mean absolute difference between g and the frozen teacher's global
    feature (the classifier's ``teacher_image_encoder``). Images without a
    known positive are left out of both terms when
    ``drop_images_without_positive``.

    Switches for the paper's ablations: ``graph=None`` (no GMC),
    ``reconstruction=None`` (local stream on the patches themselves),
    ``local_stream`` / ``global_stream`` False (one stream only).

    Args:
        embed_dim (int): D; passed in by the classifier.
        loss (dict | nn.Module): classification loss on (scaled scores,
            observed labels). Defaults to ``PairwiseRankingLoss``
            (margin 1).
        graph (dict, optional): arguments of
            :class:`LabelCorrelationGraph`. Defaults to 128 hidden, 4
            heads, dropout 0.3.
        reconstruction (dict, optional): arguments of
            :class:`SemanticVisualReconstruction` (``chunk_size``: classes
            per chunk). Defaults to ``chunk_size=16``.
        local_stream (bool): score the (reconstructed) patches. Defaults
            to True.
        global_stream (bool): score the global feature. Defaults to True.
        topk (int): patches averaged by the local score. Defaults to 16.
        normalise_scores (bool): L2-normalise each stream over the classes
            of an image. Defaults to True.
        score_scale (float): multiplies the scores for the loss and the
            predictions, for losses that need a wider range than [-1, 1]
            (a sigmoid of [-1, 1] spans 0.27-0.73). Defaults to 1.
        learnable_scale (bool): learn ``score_scale``. Defaults to False.
        distillation_weight (float): weight of ``loss_kd``; 0 removes it.
            Defaults to 1.
        drop_images_without_positive (bool): Defaults to True.
        activation (str): ``'none'`` (scores as they are) or ``'sigmoid'``.
            Defaults to 'none'.
        threshold (float): prediction threshold on the activated scores.
            Defaults to 0.
        init_cfg (dict, optional): initialisation config.

    Note:
        Written from the released code (MVL-Lab/SigRL, ``OV/models``),
        which does not run as released; ``configs/sigrl/README.md`` lists
        what was repaired and where this head differs.
    """

    def __init__(self,
                 embed_dim: int,
                 loss: Union[dict, nn.Module] = dict(
                     type='PairwiseRankingLoss', margin=1.),
                 graph: Optional[dict] = dict(hidden_dim=128, num_heads=4,
                                              dropout=0.3),
                 reconstruction: Optional[dict] = dict(chunk_size=16),
                 local_stream: bool = True,
                 global_stream: bool = True,
                 topk: int = 16,
                 normalise_scores: bool = True,
                 score_scale: float = 1.,
                 learnable_scale: bool = False,
                 distillation_weight: float = 1.,
                 drop_images_without_positive: bool = True,
                 activation: str = 'none',
                 threshold: float = 0.,
                 init_cfg=None):
        super().__init__(loss=loss, activation=activation,
                         threshold=threshold, init_cfg=init_cfg)
        if not (local_stream or global_stream):
            raise ValueError('SigRLHead: keep at least one of local_stream '
                             'and global_stream')
        if graph is not None and (reconstruction is None or not local_stream):
            raise ValueError('SigRLHead: the graph enters the scores only '
                             'through the reconstruction of the local '
                             'stream; with reconstruction=None or '
                             'local_stream=False set graph=None')
        if topk < 1:
            raise ValueError(f'SigRLHead: topk must be >= 1, got {topk}')
        self.graph = None if graph is None else LabelCorrelationGraph(
            embed_dim, **graph)
        self.reconstruction = None if reconstruction is None else \
            SemanticVisualReconstruction(
                embed_dim, use_graph=graph is not None, **reconstruction)
        self.local_stream = local_stream
        self.global_stream = global_stream
        self.topk = topk
        self.normalise_scores = normalise_scores
        scale = torch.tensor(float(score_scale))
        if learnable_scale:
            self.score_scale = nn.Parameter(scale)
        else:
            self.register_buffer('score_scale', scale)
        self.distillation_weight = distillation_weight
        self.drop_images_without_positive = drop_images_without_positive

    @property
    def needs_teacher(self) -> bool:
        """``loss_kd`` needs the frozen teacher's global feature."""
        return self.distillation_weight > 0

    def local_scores(self, patches: torch.Tensor,
                     class_embeds: torch.Tensor) -> torch.Tensor:
        """Mean of the top-k patch-class similarities [B, C]."""
        if self.topk > patches.shape[1]:
            raise ValueError(
                f'SigRLHead: topk={self.topk} but the image encoder gives '
                f'{patches.shape[1]} patches; lower `topk` or raise the '
                'input size')
        if self.reconstruction is not None:
            graph = None if self.graph is None else self.graph(class_embeds)
            patches = self.reconstruction(patches, class_embeds, graph)
        sim = patches @ class_embeds.t()  # [B, N, C]
        return sim.topk(self.topk, dim=1).values.mean(dim=1)

    def head_outputs(self, feats) -> Dict[str, torch.Tensor]:
        """``logits``: the scaled scores [B, C]."""
        if feats.text.shape[0] != 1:
            raise ValueError(
                'SigRLHead scores one class embedding per class; the prompt '
                f'learner gives {feats.text.shape[0]} sets (use a fixed or '
                'CoOp prompt learner, not DualCoOp\'s)')
        image = feats.image
        class_embeds = feats.text[0].to(image.dense_feat.dtype)  # [C, D]
        streams = []
        if self.local_stream:
            streams.append(self.local_scores(image.dense_feat, class_embeds))
        if self.global_stream:
            streams.append(image.global_feat @ class_embeds.t())  # [B, C]
        if self.normalise_scores:
            streams = [F.normalize(s, dim=-1) for s in streams]
        scores = sum(streams) / len(streams)
        return dict(logits=self.score_scale * scores)

    def forward(self, feats) -> torch.Tensor:
        """Args:
            feats (ClassifierFeatures): ``image`` (global [B, D], dense
                [B, N, D]) and ``text`` [1, C, D].

        Returns:
            Tensor: scores [B, C] (times ``score_scale``).
        """
        return self.head_outputs(feats)['logits']

    def _get_loss(self, outputs, targets, feats) -> dict:
        logits, observed = outputs['logits'], targets['observed']
        keep = (observed > 0).any(dim=1) if \
            self.drop_images_without_positive else \
            torch.ones_like(observed[:, 0], dtype=torch.bool)
        losses = {}
        if not bool(keep.any()):  # nothing to learn from: zero, with a graph
            losses['loss_cls'] = logits.sum() * 0.
        else:
            kept = {k: v[keep] for k, v in targets.items()}
            losses['loss_cls'] = self.observed_label_loss(
                self.loss_module, logits[keep], kept['observed'], kept)
        if self.needs_teacher:
            if feats.teacher is None:
                raise ValueError(
                    'SigRLHead: distillation_weight > 0 needs the frozen '
                    'teacher of the classifier: set model.teacher_image_'
                    "encoder=dict(type='CLIPImageEncoder'), or "
                    'distillation_weight=0')
            student = feats.image.global_feat[keep]
            teacher = feats.teacher.global_feat[keep].to(student.dtype)
            losses['loss_kd'] = self.distillation_weight * (
                F.l1_loss(student, teacher) if bool(keep.any())
                else feats.image.global_feat.sum() * 0.)
        return losses
