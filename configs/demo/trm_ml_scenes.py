# TRM-ML on the shapes scenes (48 classes, long tail, co-occurrence, small
# and hidden objects, 128 px) under partial labels (p = 0.5), on the scenes
# CLIP (patch-16 ViT tower: 64 region tokens). Both towers stay frozen; the
# category queries, the cross-attention block, the MLP and the logit scale
# train. Pseudo-labels start after the first epoch.
#   python tools/train.py configs/demo/trm_ml_scenes.py
# p = 0.1: --cfg-options train_dataloader.dataset.label_protocol.p=0.1
_base_ = [
    '../_base_/models/trm_ml_rn101.py',
    '../_base_/models/scenes_clip.py',
    '../_base_/datasets/scenes_partial.py',
    '../_base_/shapes_demo_runtime.py',
]

model = dict(
    class_names={{_base_.class_names}},
    clip=dict(_delete_=True, arch={{_base_.scenes_clip_arch}},
              pretrained='shapes-scenes'),
    data_preprocessor={{_base_.scenes_clip_preprocessor}},
    head=dict(region_attention=dict(num_heads=4)),
)

optim_wrapper = dict(optimizer=dict(weight_decay=5e-4))
custom_hooks = [dict(type='SetEpochHook')]
