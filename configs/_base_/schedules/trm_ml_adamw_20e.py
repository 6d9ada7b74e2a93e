# TRM-ML's schedule (reconstruction default): AdamW lr 1e-3, weight decay
# 5e-4, 20 epochs, a 1-epoch linear warm-up, then cosine; batch 32.
optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=5e-4))

param_scheduler = [
    dict(type='LinearLR', start_factor=0.01, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=20),
]

train_cfg = dict(by_epoch=True, max_epochs=20, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# lr above is for this total batch size
auto_scale_lr = dict(base_batch_size=32)
