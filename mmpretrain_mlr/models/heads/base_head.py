"""What every multi-label head of this package shares: the targets step
(observed labels, sample indices), the loss step (named loss terms) and the
predictions step (activation, threshold), as in mmpretrain's
``MultiLabelClsHead``."""
from typing import Dict, List, Optional, Union

import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample

from ...utils.checks import check_choice

#: prediction activations and the range of the scores they give
ACTIVATIONS = ('sigmoid', 'none')


def stack_observed_labels(data_samples: List[DataSample],
                          device: torch.device) -> torch.Tensor:
    """Observed labels of a batch as a [B, C] float tensor in {+1, -1, 0}."""
    missing = [i for i, ds in enumerate(data_samples)
               if 'observed_label' not in ds]
    if missing:
        raise KeyError(
            f'data samples {missing[:5]} carry no `observed_label`; pack it '
            "in the pipeline with dict(type='PackInputs', "
            "algorithm_keys=('observed_label', )) and use a dataset of "
            'mmpretrain_mlr that applies a label protocol')
    return torch.stack([
        torch.as_tensor(ds.observed_label, device=device)
        for ds in data_samples
    ]).float()


def stack_sample_idx(data_samples: List[DataSample],
                     device: torch.device) -> torch.Tensor:
    """Dataset indices of a batch as a long tensor [B]."""
    missing = [i for i, ds in enumerate(data_samples)
               if 'sample_idx' not in ds]
    if missing:
        raise KeyError(
            f'data samples {missing[:5]} carry no `sample_idx`, which the '
            'loss needs (it keeps per-image state); mmpretrain\'s PackInputs '
            "packs it by default: keep 'sample_idx' in its meta_keys")
    return torch.as_tensor([int(ds.sample_idx) for ds in data_samples],
                           dtype=torch.long, device=device)


def build_loss(loss: Union[dict, nn.Module]) -> nn.Module:
    """A loss module from a config dict, or the module itself."""
    return loss if isinstance(loss, nn.Module) else MODELS.build(loss)


class ObservedLabelHead(BaseModule):
    """Base of the heads trained on observed labels (+1 known positive,
    -1 known negative, 0 unknown).

    The work is split into steps a method overrides, as in mmpretrain's
    ``MultiLabelClsHead``:

    - :meth:`forward` (tensor math only) -> scores before activation [B, C];
      :meth:`head_outputs` returns them as ``dict(logits=...)``, and a head
      that needs more for its losses (region features, ...) adds entries;
    - :meth:`_get_targets` -> ``dict(observed=[B, C], sample_idx=[B])``
      (``sample_idx`` whenever the data samples carry it); a method adds
      pseudo-labels here;
    - :meth:`_get_loss` -> dict of named terms; each key starting with
      ``loss`` is summed by the runner and logged apart (``loss_cls`` here;
      a method adds ``loss_con``, ``loss_kd``, ...);
    - :meth:`_get_predictions` -> ``pred_score`` and ``pred_label``.

    Args:
        loss (dict | nn.Module): a loss taking (logits [B, C], observed
            labels [B, C]); a loss with ``needs_sample_idx = True`` also
            gets ``sample_idx`` [B].
        activation (str): turns the head's outputs into ``pred_score``:
            ``'sigmoid'`` (logits -> probabilities in [0, 1]) or ``'none'``
            (the outputs as they are, e.g. cosine scores in [-1, 1]).
            Defaults to ``'sigmoid'``.
        threshold (float): score from which a class is a predicted label
            (on the activated scale). Defaults to 0.5.
        init_cfg (dict, optional): initialisation config.
    """

    #: whether the head scores any vocabulary it is given class
    #: embeddings for (no per-class parameters); see
    #: :class:`~mmpretrain_mlr.models.protocols.VocabularyAware`
    open_vocabulary = True

    def __init__(self,
                 loss: Union[dict, nn.Module],
                 activation: str = 'sigmoid',
                 threshold: float = 0.5,
                 init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        check_choice(type(self).__name__, 'activation', activation,
                     ACTIVATIONS)
        self.loss_module = build_loss(loss)
        self.activation = activation
        self.threshold = threshold

    def head_outputs(self, feats) -> Dict[str, torch.Tensor]:
        """What the loss and predictions steps read: ``logits`` [B, C] and
        whatever a method adds."""
        return dict(logits=self(feats))

    def loss(self, feats, data_samples: List[DataSample]) -> dict:
        """Returns the dict of named loss terms."""
        outputs = self.head_outputs(feats)
        targets = self._get_targets(outputs, data_samples)
        return self._get_loss(outputs, targets, feats)

    def _get_targets(self, outputs: Dict[str, torch.Tensor],
                     data_samples: List[DataSample]
                     ) -> Dict[str, torch.Tensor]:
        """Observed labels [B, C] and, when the samples carry them, the
        dataset indices [B]."""
        logits = outputs['logits']
        observed = stack_observed_labels(data_samples, logits.device)
        if observed.shape != logits.shape:
            raise ValueError(
                f'observed labels have shape {tuple(observed.shape)} but the '
                f'model scores {tuple(logits.shape)}: the dataset vocabulary '
                'and the model `class_names` differ')
        targets = dict(observed=observed)
        if all('sample_idx' in ds for ds in data_samples):
            targets['sample_idx'] = stack_sample_idx(data_samples,
                                                     logits.device)
        return targets

    def _get_loss(self, outputs: Dict[str, torch.Tensor],
                  targets: Dict[str, torch.Tensor], feats) -> dict:
        """``dict(loss_cls=...)``: the loss module on the observed labels."""
        return dict(loss_cls=self.observed_label_loss(
            self.loss_module, outputs['logits'], targets['observed'],
            targets))

    @staticmethod
    def observed_label_loss(loss_module: nn.Module, logits: torch.Tensor,
                            labels: torch.Tensor,
                            targets: Dict[str, torch.Tensor]) -> torch.Tensor:
        """Call a loss of the family on (logits, labels), adding the sample
        indices of ``targets`` for a loss that keeps per-image state."""
        if not getattr(loss_module, 'needs_sample_idx', False):
            return loss_module(logits, labels)
        if 'sample_idx' not in targets:
            raise KeyError(
                f'{type(loss_module).__name__} keeps per-image state and '
                'needs `sample_idx`, which the data samples lack; '
                "mmpretrain's PackInputs packs it by default: keep "
                "'sample_idx' in its meta_keys")
        return loss_module(logits, labels, sample_idx=targets['sample_idx'])

    def activate(self, logits: torch.Tensor) -> torch.Tensor:
        """The head's outputs on the scale of ``pred_score``.

        The sigmoid is taken in float64: in float32 it is exactly 1.0 from
        a logit of about 17 on, so confident predictions would tie and
        lose their ranking (mAP). float64 sigmoids tell apart logits more
        than ``1.1e-16 * exp(logit)`` apart (1e-5 at 25, 1e-3 at 30) and
        are exactly 1.0 from about 36.7.
        """
        if self.activation != 'sigmoid':
            return logits
        if logits.device.type == 'mps':  # MPS has no float64
            logits = logits.cpu()
        return torch.sigmoid(logits.double())

    @torch.no_grad()
    def predict(self, feats,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Fill ``pred_score`` ([C], see ``activation``) and ``pred_label``
        (classes scoring at least ``threshold``)."""
        return self._get_predictions(self.head_outputs(feats), data_samples)

    def _get_predictions(self, outputs: Dict[str, torch.Tensor],
                         data_samples: Optional[List[DataSample]]
                         ) -> List[DataSample]:
        scores = self.activate(outputs['logits'])
        if data_samples is None:
            data_samples = [DataSample() for _ in range(scores.shape[0])]
        for data_sample, score in zip(data_samples, scores):
            data_sample.set_pred_score(score)
            data_sample.set_pred_label(
                torch.nonzero(score >= self.threshold).flatten())
        return data_samples


#: the former name of :class:`ObservedLabelHead`, kept for existing code
MultiLabelPromptHead = ObservedLabelHead
