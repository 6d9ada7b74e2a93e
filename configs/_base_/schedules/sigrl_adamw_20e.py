# SigRL's zero-shot schedule (MKT's): AdamW lr 1e-4, weight decay 0.05 on
# parameters of two or more dimensions only, layer-wise lr decay 0.65
# (block i of 12 at 0.65^(12 - i), the stem at 0.65^13, new modules at 1),
# two linear warm-up epochs then cosine to 1e-7, 20 epochs, batch 32.
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-4, weight_decay=0.05),
    constructor='LearningRateDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.65, flat_decay_mult=0.,
                       bias_decay_mult=0., norm_decay_mult=0.))
param_scheduler = [
    dict(type='LinearLR', start_factor=1e-3, by_epoch=True, begin=0, end=2,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=2, end=20,
         eta_min=1e-7, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=1)
val_cfg = dict()
test_cfg = dict()
auto_scale_lr = dict(base_batch_size=32)
