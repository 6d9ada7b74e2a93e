# DualCoOp on the shapes scenes under single-positive labels (one known
# positive per training image), with the assume-negative loss of the
# single-positive benchmark (Cole et al.); the scenes CLIP's towers stay
# frozen. Pick another loss of the family with e.g.
#   --cfg-options model.head.loss.type=EntropyMaximizationLoss
#   python tools/train.py configs/demo/dualcoop_scenes_single_positive.py
_base_ = [
    '../_base_/models/dualcoop_rn101.py',
    '../_base_/models/scenes_clip.py',
    '../_base_/datasets/scenes_single_positive.py',
    '../_base_/shapes_demo_runtime.py',
]

model = dict(
    class_names={{_base_.class_names}},
    clip=dict(_delete_=True, arch={{_base_.scenes_clip_arch}},
              pretrained='shapes-scenes'),
    data_preprocessor={{_base_.scenes_clip_preprocessor}},
    prompt_learner=dict(n_ctx=8, class_specific=True),
    head=dict(loss=dict(_delete_=True, type='AssumeNegativeLoss')))

default_hooks = dict(
    checkpoint=dict(save_best={{_base_.best_metric}}, rule='greater'))
custom_hooks = [
    dict(type='SetEpochHook'),
    dict(type='BestAndLastHook', metric={{_base_.best_metric}},
         selection_split={{_base_.selection_split}})
]
