# Contrastive pretraining of the shapes CLIP (configs/_base_/models/
# shapes_clip.py) on captioned shapes scenes: symmetric InfoNCE between
# each scene and its caption ("two red circles and a blue square"), both
# towers trained, learnable temperature, identical captions of a batch
# treated as matches. Captions are the only targets: no class prompt or
# label vector of the demos is seen. The export (open_clip state dict)
# lands in the work dir as open_clip.pth:
#   python tools/train.py configs/demo/shapes_clip_pretrain.py
# `clip.pretrained='shapes'` runs this same recipe once and caches the
# result (mmpretrain_mlr/models/clip/shapes_clip.py).
# The runtime is mmpretrain's own, not this project's (whose default hooks
# serve the multi-label models), so the recipe changes only here.
_base_ = [
    '../_base_/models/shapes_clip.py',
    '../_base_/mmpretrain_runtime.py',
]
custom_imports = dict(imports=['mmpretrain_mlr'], allow_failed_imports=False)

model = dict(
    type='ContrastiveCLIP',
    clip=dict(arch={{_base_.shapes_clip_arch}}),
    loss=dict(type='SymmetricInfoNCELoss'),
    false_negative_aware=True,
    data_preprocessor={{_base_.shapes_clip_preprocessor}})

train_dataloader = dict(
    batch_size=256,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='ShapesCaptions',
        num_images=20000,
        image_size=64,
        seed=0,
        split='train',
        cache_images=True,
        pipeline=[
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PackInputs', algorithm_keys=('caption', )),
        ]),
    sampler=dict(type='DefaultSampler', shuffle=True))

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.,
                       custom_keys={'logit_scale': dict(decay_mult=0.)}))
max_epochs = 5
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs,
         eta_min=2e-5, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs)
val_cfg = None
val_dataloader = None
val_evaluator = None
test_cfg = None
test_dataloader = None
test_evaluator = None

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, save_best=None, max_keep_ckpts=1))
custom_hooks = [dict(type='ExportOpenCLIPHook', out_file='open_clip.pth')]
randomness = dict(seed=0)
