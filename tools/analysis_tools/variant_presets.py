"""The named variant lists of ``compare_variants.py --preset``.

- ``losses``: every loss of the incomplete-label family under the
  config's head, with the full-label upper bound (dataset-dependent loss
  fields are computed from the training set);
- ``trm_ablation``: TRM-ML and its ablations;
- ``sigrl_ablation``: SigRL and the ablations of its streams and modules.

A preset maps a config to ``{variant name: config overrides}``.
"""
import copy
from collections import OrderedDict
from typing import Dict

from mmengine.config import Config
from mmengine.registry import init_default_scope

FULL_LABELS = 'full labels'


def loss_presets(num_samples: int, num_classes: int, expected_num_pos: float,
                 max_epochs: int) -> Dict[str, dict]:
    """The losses compared, as config dicts, by their names in the papers.

    LL's rejection rate grows by ``delta_rel`` per epoch; here it is set so
    that by the last epoch it reaches the expected fraction of false
    negatives under assume-negative, ``(k - 1) / C`` for single positives
    (COCO, k = 2.5, C = 80, 10 epochs: 0.19 %, the published 0.2 %).
    """
    per_sample = dict(num_samples=num_samples, num_classes=num_classes)
    delta_rel = max(expected_num_pos - 1, 0) / num_classes / max_epochs
    return {
        FULL_LABELS: dict(type='AssumeNegativeLoss'),
        'AN': dict(type='AssumeNegativeLoss'),
        'AN-LS': dict(type='AssumeNegativeLoss', label_smoothing=0.1),
        'WAN': dict(type='AssumeNegativeLoss', negative_weight='wan'),
        'EPR': dict(type='ExpectedPositiveRegularizationLoss',
                    expected_num_pos=expected_num_pos),
        'ROLE': dict(type='ROLELoss', expected_num_pos=expected_num_pos,
                     **per_sample),
        'EM': dict(type='EntropyMaximizationLoss'),
        'EM+APL': dict(type='EntropyMaximizationAPLLoss',
                       num_epochs=max_epochs, **per_sample),
        'LL-R': dict(type='LargeLossLoss', mode='reject',
                     delta_rel=delta_rel),
        'LL-Ct': dict(type='LargeLossLoss', mode='correct_temporary',
                      delta_rel=delta_rel),
        'LL-Cp': dict(type='LargeLossLoss', mode='correct_permanent',
                      delta_rel=delta_rel, **per_sample),
        'Hill': dict(type='HillLoss'),
        'SPLC': dict(type='SPLCLoss'),
    }


def training_set_stats(cfg: Config) -> tuple:
    """(N, C, mean positives per image) of the config's training set."""
    import mmpretrain_mlr  # noqa: F401  (registers the datasets)
    from mmpretrain.registry import DATASETS
    init_default_scope('mmpretrain')
    dataset = DATASETS.build(cfg.train_dataloader.dataset)
    full = dataset.full_labels
    return len(dataset), full.shape[1], float((full == 1).sum(1).mean())


def training_set_inference_hook(cfg: Config) -> dict:
    """EM+APL's end-of-epoch pass: the training set, test pipeline."""
    pipeline = copy.deepcopy(cfg.test_dataloader.dataset.pipeline)
    for step in pipeline:
        if step['type'] == 'PackInputs':
            step['algorithm_keys'] = ('observed_label', )
    dataset = dict(copy.deepcopy(cfg.train_dataloader.dataset),
                   pipeline=pipeline)
    return dict(type='TrainingSetInferenceHook', dataloader=dict(
        batch_size=cfg.test_dataloader.batch_size, num_workers=0,
        dataset=dataset, sampler=dict(type='DefaultSampler', shuffle=False)))


def loss_variant(cfg: Config, name: str, loss: dict) -> dict:
    """The overrides that train ``cfg`` with ``loss``."""
    options = {'model.head.loss': dict(_delete_=True, **loss)}
    if name == FULL_LABELS:
        options['train_dataloader.dataset.label_protocol'] = None
    if loss['type'] == 'ROLELoss':
        # Cole et al. train the label table at 10x the rate, no decay.
        options['optim_wrapper.paramwise_cfg'] = dict(custom_keys={
            'loss_module.label_logits': dict(lr_mult=10, decay_mult=0)})
    if loss['type'] == 'EntropyMaximizationAPLLoss':
        options['custom_hooks'] = list(cfg.get('custom_hooks', [])) + [
            training_set_inference_hook(cfg)]
    return options


def losses_preset(cfg: Config) -> Dict[str, dict]:
    num_samples, num_classes, num_pos = training_set_stats(cfg)
    print(f'training set: {num_samples} images, {num_classes} classes, '
          f'{num_pos:.2f} positives per image')
    presets = loss_presets(num_samples, num_classes, num_pos,
                           cfg.train_cfg.max_epochs)
    return {name: loss_variant(cfg, name, loss)
            for name, loss in presets.items()}


def trm_ablation_preset(cfg: Config) -> Dict[str, dict]:
    """TRM-ML and the ablations of its components."""
    head = 'model.head.'
    return OrderedDict([
        ('TRM-ML', {}),
        ('text-global matching', {head + 'matching': 'global'}),
        ('w/o distillation', {head + 'distillation': None}),
        ('w/o contrastive', {head + 'contrastive': None}),
        ('w/o prototypes / pseudo-labels', {head + 'prototypes': None}),
        ('logits distillation', {head + 'distillation.mode': 'logits'}),
        ('CoOp text side', {'model.prompt_learner': dict(
            _delete_=True, type='CoOpPromptLearner', n_ctx=8)}),
        ('DualCoOp text side', {'model.prompt_learner': dict(
            _delete_=True, type='DualCoOpPromptLearner', n_ctx=8,
            class_specific=True)}),
    ])


def sigrl_ablation_preset(cfg: Config) -> Dict[str, dict]:
    """SigRL and the ablations of its streams and modules."""
    head = 'model.head.'
    no_svfr = {head + 'graph': None, head + 'reconstruction': None}
    return OrderedDict([
        ('SigRL', {}),
        ('w/o GMC (graph)', {head + 'graph': None}),
        ('w/o GMC and SVFR (local + global, as MKT)', no_svfr),
        ('local stream only', {head + 'global_stream': False}),
        ('global stream only', dict(no_svfr, **{head + 'local_stream':
                                                False})),
        ('w/o distillation', {head + 'distillation_weight': 0.,
                              'model.teacher_image_encoder': None}),
    ])


PRESETS = dict(losses=losses_preset, trm_ablation=trm_ablation_preset,
               sigrl_ablation=sigrl_ablation_preset)
