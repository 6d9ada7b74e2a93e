# DualCoOp on the embedded shapes data under partial labels (p = 0.5), with
# a tiny randomly initialised CLIP: trains on 2 CPU cores in a few minutes,
# downloads nothing. Only the prompt contexts train; the random CLIP towers
# stay frozen, as with real weights.
_base_ = [
    '../_base_/models/dualcoop_rn101.py',
    '../_base_/datasets/shapes_partial.py',
    '../_base_/default_runtime.py',
]

tiny_clip = dict(
    embed_dim=64,
    vision_cfg=dict(layers=2, width=64, head_width=32, patch_size=8,
                    image_size=64),
    text_cfg=dict(context_length=77, vocab_size=49408, width=64, heads=4,
                  layers=2))

model = dict(
    class_names={{_base_.class_names}},
    clip=dict(_delete_=True, arch=tiny_clip, pretrained=None),
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
