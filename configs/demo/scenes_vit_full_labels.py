# A diagnostic, not a method: the scenes CLIP's image-tower design (patch-16
# ViT at 128 px, 4 blocks of width 64, patch tokens mean-pooled) trained
# from scratch on every label of the shapes scenes, with a linear
# multi-label head and the binary cross-entropy. Its val mAP is what that
# design can reach on the scenes with the best supervision there is, at the
# pretraining budget of the scenes CLIP: the ceiling that contrastive
# pretraining on captions could at most approach
# (docs/benchmark.md, "The scenes CLIP").
#   python tools/train.py configs/demo/scenes_vit_full_labels.py
# the shipped CLIP's budget (48,000 scenes, 10 epochs):
#   --cfg-options train_dataloader.dataset.num_images=48000 \
#       train_cfg.max_epochs=10 param_scheduler.1.end=10
_base_ = [
    '../_base_/datasets/scenes_partial.py',
    '../_base_/default_runtime.py',
]

model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        mean=[127.5, 127.5, 127.5], std=[64., 64., 64.], to_rgb=True),
    backbone=dict(
        type='VisionTransformer',
        arch=dict(embed_dims=64, num_layers=4, num_heads=4,
                  feedforward_channels=256),
        img_size=128,
        patch_size=16,
        pre_norm=True,
        out_type='avg_featmap'),
    neck=None,
    head=dict(type='MultiLabelLinearClsHead', num_classes=48,
              in_channels=64))

# every label (no protocol), the pretraining's scenes budget: 16,000
# train scenes of the demos' seed, 8 epochs of 256
train_dataloader = dict(
    batch_size=256,
    dataset=dict(num_images=16000, label_protocol=None,
                 pipeline=[
                     dict(type='RandomFlip', prob=0.5,
                          direction='horizontal'),
                     dict(type='PackInputs'),
                 ]))

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=2e-3, weight_decay=0.05),
    paramwise_cfg=dict(norm_decay_mult=0., bias_decay_mult=0.))
max_epochs = 8
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs,
         eta_min=2e-5, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs, val_interval=2)
val_cfg = dict()
test_cfg = dict()
default_hooks = dict(
    logger=dict(interval=20),
    checkpoint=dict(interval=max_epochs, save_best=None, max_keep_ckpts=1))
randomness = dict(seed=0)
