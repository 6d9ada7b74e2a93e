# DualCoOp on the shapes scenes (48 classes, long tail, co-occurrence, small
# and hidden objects, 128 px) under partial labels (p = 0.5), on the scenes
# CLIP (a tiny CLIP with a patch-16 ViT tower, pretrained by this project
# on captioned scenes). Only the prompt contexts train; both towers stay
# frozen, as with real weights.
#   python tools/train.py configs/demo/dualcoop_scenes.py
# p = 0.1: --cfg-options train_dataloader.dataset.label_protocol.p=0.1
_base_ = [
    '../_base_/models/dualcoop_rn101.py',
    '../_base_/models/scenes_clip.py',
    '../_base_/datasets/scenes_partial.py',
    '../_base_/shapes_demo_runtime.py',
]

model = dict(
    class_names={{_base_.class_names}},
    clip=dict(_delete_=True, arch={{_base_.scenes_clip_arch}},
              pretrained='shapes-scenes'),
    data_preprocessor={{_base_.scenes_clip_preprocessor}},
    prompt_learner=dict(n_ctx=8, class_specific=True),
)
