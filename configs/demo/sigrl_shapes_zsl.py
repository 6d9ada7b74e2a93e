# SigRL zero-shot on the embedded shapes data, on the shapes CLIP (a tiny
# CLIP this project pretrains on captioned shapes scenes; its text tower
# knows all 12 colour-shape pairs). Training sees full labels of 6 pairs
# only; testing scores captioned-shapes val scenes (all 12 pairs) once on
# the 6 unseen pairs alone (ZSL) and once on all 12 (GZSL):
#   python tools/train.py configs/demo/sigrl_shapes_zsl.py
#   python tools/test.py configs/demo/sigrl_shapes_zsl.py \
#       work_dirs/demo/sigrl_shapes_zsl/epoch_12.pth
# The shapes CLIP's ResNet tower stands in for ViT-B/16: its last two
# stages and attention pool train (as blocks 10-11 and the tail of the
# ViT), its 2 x 2 grid gives 4 patch tokens (topk 2 of them).
_base_ = [
    '../_base_/models/sigrl_vit_b16.py',
    '../_base_/models/shapes_clip.py',
    '../_base_/datasets/shapes_partial.py',
    '../_base_/shapes_demo_runtime.py',
]

seen_classes = ['red circle', 'green circle', 'blue square',
                'yellow square', 'red triangle', 'blue triangle']
unseen_classes = ['blue circle', 'yellow circle', 'red square',
                  'green square', 'green triangle', 'yellow triangle']

model = dict(
    class_names=seen_classes,
    test_class_names=seen_classes + unseen_classes,
    test_vocabularies=dict(zsl=unseen_classes),
    clip=dict(_delete_=True, arch={{_base_.shapes_clip_arch}},
              pretrained='shapes'),
    image_encoder=dict(rn_mean_token=False),
    teacher_image_encoder=dict(rn_mean_token=False),
    prompt_learner=dict(templates=('a photo of a {}.', )),
    head=dict(topk=2, reconstruction=dict(chunk_size=4)),
    data_preprocessor={{_base_.shapes_clip_preprocessor}})

# the demo's training images, full labels of the seen pairs only; val:
# captioned-shapes scenes, which draw all 12 pairs
train_dataloader = dict(
    dataset=dict(classes=seen_classes, label_protocol=None))
val_dataloader = dict(
    dataset=dict(type='ShapesCaptions', classes=seen_classes + unseen_classes,
                 pipeline=[dict(type='PackInputs')]))
test_dataloader = val_dataloader
val_evaluator = dict(_delete_=True, type='ZeroShotMetric',
                     unseen_classes=unseen_classes,
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
