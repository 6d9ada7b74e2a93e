# DualCoOp on the embedded shapes data under partial labels (p = 0.5), on
# the shapes CLIP: a tiny CLIP this project pretrains on captioned shapes
# scenes (configs/demo/shapes_clip_pretrain.py), built once into the cache
# on first use (a few minutes on 2 CPU cores), downloaded from nowhere.
# Only the prompt contexts train; both CLIP towers stay frozen, as with real
# weights. The same demo on a random CLIP, for contrast:
#   --cfg-options model.clip.pretrained=None
_base_ = [
    '../_base_/models/dualcoop_rn101.py',
    '../_base_/models/shapes_clip.py',
    '../_base_/datasets/shapes_partial.py',
    '../_base_/default_runtime.py',
]

model = dict(
    class_names={{_base_.class_names}},
    clip=dict(_delete_=True, arch={{_base_.shapes_clip_arch}},
              pretrained='shapes'),
    data_preprocessor={{_base_.shapes_clip_preprocessor}},
    prompt_learner=dict(n_ctx=8, class_specific=True),
)

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=1e-4))
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=12),
]
train_cfg = dict(by_epoch=True, max_epochs=12, val_interval=1)
val_cfg = dict()
test_cfg = dict()

default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(save_best='multi-label/mAP', rule='greater'))
randomness = dict(seed=0)
