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
    '../_base_/shapes_demo_runtime.py',
]

seen_classes = ['red circle', 'green circle', 'blue square',
                'yellow square', 'red triangle', 'blue triangle']
unseen_classes = ['blue circle', 'yellow circle', 'red square',
                  'green square', 'green triangle', 'yellow triangle']
image_size = 64

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

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='ShapesMultiLabel', num_images=1600, image_size=image_size,
        seed=0, split='train', classes=seen_classes,
        pipeline=[
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PackInputs', algorithm_keys=('observed_label', )),
        ]),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type='ShapesCaptions', num_images=256, image_size=image_size,
        seed=0, split='val', classes=seen_classes + unseen_classes,
        pipeline=[dict(type='PackInputs')]),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader
val_evaluator = dict(type='ZeroShotMetric', unseen_classes=unseen_classes,
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
