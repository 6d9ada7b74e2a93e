# DualCoOp's published schedule: SGD lr 0.002 (0.001 on VOC), 50 epochs,
# 1 constant warm-up epoch at 1e-5, then cosine; batch 32.
optim_wrapper = dict(
    optimizer=dict(type='SGD', lr=0.002, momentum=0.9, weight_decay=5e-4))

param_scheduler = [
    dict(type='ConstantLR', factor=0.005, by_epoch=True, begin=0, end=1),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=50),
]

train_cfg = dict(by_epoch=True, max_epochs=50, val_interval=1)
val_cfg = dict()
test_cfg = dict()

# lr above is for this total batch size (8 GPUs x 4 or 1 x 32, ...)
auto_scale_lr = dict(base_batch_size=32)
