"""What every multi-label head of this package shares: reading the observed
labels, the loss dict and filling predictions."""
from typing import List, Optional

import torch
from mmengine.model import BaseModule
from mmpretrain.registry import MODELS
from mmpretrain.structures import DataSample


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


class MultiLabelPromptHead(BaseModule):
    """Base of the heads that score image features against class text
    embeddings. Subclasses implement ``forward(feats) -> logits [B, C]``.

    Args:
        loss (dict): config of a loss taking (logits [B, C], observed
            labels [B, C]); a loss with ``needs_sample_idx = True`` also
            gets ``sample_idx`` [B] read from the data samples.
        threshold (float): score above which a class is a predicted label.
            Defaults to 0.5.
        init_cfg (dict, optional): initialisation config.
    """

    def __init__(self, loss: dict, threshold: float = 0.5, init_cfg=None):
        super().__init__(init_cfg=init_cfg)
        self.loss_module = MODELS.build(loss)
        self.threshold = threshold

    def loss(self, feats, data_samples: List[DataSample]) -> dict:
        """Returns ``dict(loss_cls=...)`` on the observed labels."""
        logits = self(feats)
        observed = stack_observed_labels(data_samples, logits.device)
        if observed.shape != logits.shape:
            raise ValueError(
                f'observed labels have shape {tuple(observed.shape)} but the '
                f'model scores {tuple(logits.shape)}: the dataset vocabulary '
                'and the model `class_names` differ')
        kwargs = {}
        if getattr(self.loss_module, 'needs_sample_idx', False):
            kwargs['sample_idx'] = stack_sample_idx(data_samples,
                                                    logits.device)
        return dict(loss_cls=self.loss_module(logits, observed, **kwargs))

    @torch.no_grad()
    def predict(self, feats,
                data_samples: Optional[List[DataSample]] = None
                ) -> List[DataSample]:
        """Fill ``pred_score`` (sigmoid of the logits, [C]) and ``pred_label``
        (classes scoring at least ``threshold``)."""
        scores = torch.sigmoid(self(feats))
        if data_samples is None:
            data_samples = [DataSample() for _ in range(scores.shape[0])]
        for data_sample, score in zip(data_samples, scores):
            data_sample.set_pred_score(score)
            data_sample.set_pred_label(
                torch.nonzero(score >= self.threshold).flatten())
        return data_samples
