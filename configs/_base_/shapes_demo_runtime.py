# What the shapes demos on a CLIP share: AdamW 2e-3 for 12 epochs (one
# linear warm-up epoch, then cosine), validation every epoch, the best
# epoch kept by mmpretrain's mAP, seed 0 (CPU runs are deterministic).
# A demo adds its model, the shapes CLIP and the shapes dataset base.
_base_ = './default_runtime.py'

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
