# What the SigRL zero-shot configs share: the model (CLIP ViT-B/16, blocks
# 10-11 and the new modules trained, frozen teacher, ranking + L1
# distillation), the schedule (AdamW 1e-4 with layer-wise decay 0.65, 20
# epochs), the runtime, and the released augmentation: train
# RandomResizedCrop 224 + flip + RandAugment (m9, mstd 0.5), test resize
# 256 + centre crop 224. A dataset config sets the pipelines from
# `sigrl_train_pipeline` / `sigrl_test_pipeline`; the best epoch is chosen
# by ZSL mAP on the test split, as the released code reports it.
_base_ = [
    './models/sigrl_vit_b16.py',
    './schedules/sigrl_adamw_20e.py',
    './default_runtime.py',
]

sigrl_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='RandomResizedCrop', scale=224),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2,
         magnitude_level=9, magnitude_std=0.5, total_level=10),
    dict(type='PackInputs', algorithm_keys=('observed_label', )),
]
sigrl_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='ResizeEdge', scale=256, edge='short'),
    dict(type='CenterCrop', crop_size=224),
    dict(type='PackInputs', algorithm_keys=('full_label', )),
]

default_hooks = dict(checkpoint=dict(save_best='zsl/mAP', rule='greater'))
custom_hooks = [
    dict(type='BestAndLastHook', metric='zsl/mAP',
         selection_split='test (as the published zero-shot code)'),
]
