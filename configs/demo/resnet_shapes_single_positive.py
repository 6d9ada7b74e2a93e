# The single-positive benchmark's plain baseline (backbone + linear head,
# Cole et al.) on the embedded shapes data: a small ResNet-18 trained from
# scratch on CPU in about a minute. The loss is the one to compare; pick
# another with e.g.
#   --cfg-options model.head.loss.type=EntropyMaximizationLoss
# (tools/analysis_tools/compare_losses.py runs the whole family).
_base_ = [
    '../_base_/datasets/shapes_single_positive.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        mean=[127.5, 127.5, 127.5], std=[64., 64., 64.], to_rgb=True),
    backbone=dict(type='ResNet', depth=18, stem_channels=16,
                  base_channels=16, out_indices=(3, )),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='ObservedLabelLinearHead', num_classes=10,
              in_channels=128, loss=dict(type='AssumeNegativeLoss')))

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=10),
]
train_cfg = dict(by_epoch=True, max_epochs=10, val_interval=1)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(save_best={{_base_.best_metric}}, rule='greater'))
custom_hooks = [
    dict(type='SetEpochHook'),  # epoch-dependent losses (LL, SPLC, APL)
    dict(type='BestAndLastHook', metric={{_base_.best_metric}},
         selection_split={{_base_.selection_split}})
]
randomness = dict(seed=0)
