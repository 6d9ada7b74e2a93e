# SigRL zero-shot on the shapes scenes, on the scenes CLIP's patch-16 ViT
# tower (64 patch tokens at 128 px). Training sees full labels of 36 seen
# classes; testing scores the val scenes once on the 12 unseen classes alone
# (ZSL) and once on all 48 (GZSL); the split is the dataset base's
# (`unseen_classes`: every fourth class, fixed before any run).
#   python tools/train.py configs/demo/sigrl_scenes_zsl.py
#   python tools/test.py configs/demo/sigrl_scenes_zsl.py \
#       work_dirs/demo/sigrl_scenes_zsl/epoch_12.pth
# As SigRL's ViT-B/16 recipe, the last two blocks and the tail train; top-k
# keeps the paper's share of the patches (16 of 196 -> 5 of 64).
_base_ = [
    '../_base_/models/sigrl_vit_b16.py',
    '../_base_/models/scenes_clip.py',
    '../_base_/datasets/scenes_partial.py',
    '../_base_/shapes_demo_runtime.py',
]

model = dict(
    class_names={{_base_.seen_classes}},
    test_class_names={{_base_.class_names}},
    test_vocabularies=dict(zsl={{_base_.unseen_classes}}),
    clip=dict(_delete_=True, arch={{_base_.scenes_clip_arch}},
              pretrained='shapes-scenes'),
    prompt_learner=dict(templates=('a photo of a {}.', )),
    head=dict(topk=5, reconstruction=dict(chunk_size=16)),
    data_preprocessor={{_base_.scenes_clip_preprocessor}})

train_dataloader = dict(
    dataset=dict(classes={{_base_.seen_classes}}, label_protocol=None))
val_dataloader = dict(dataset=dict(pipeline=[dict(type='PackInputs')]))
test_dataloader = dict(dataset=dict(pipeline=[dict(type='PackInputs')]))
val_evaluator = dict(_delete_=True, type='ZeroShotMetric',
                     unseen_classes={{_base_.unseen_classes}},
                     zsl_score_key='pred_score_zsl', ks=(3, 5),
                     map_convention='mmpretrain')
test_evaluator = val_evaluator

optim_wrapper = dict(
    optimizer=dict(type='AdamW', lr=1e-3, weight_decay=0.05),
    constructor='LearningRateDecayOptimWrapperConstructor',
    paramwise_cfg=dict(layer_decay_rate=0.65, flat_decay_mult=0.,
                       bias_decay_mult=0., norm_decay_mult=0.))
default_hooks = dict(checkpoint=dict(save_best='zsl/mAP', rule='greater'))
custom_hooks = [
    dict(type='BestAndLastHook', metric='zsl/mAP',
         selection_split='val (as the published zero-shot code)'),
]
