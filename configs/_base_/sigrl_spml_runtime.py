# What the SigRL single-positive configs share (the VLPL-based recipe of
# the release): the SigRL model with the whole ViT-B/16 trainable, the EM
# loss alone (no distillation) on sigmoid(score) (score in [-1, 1],
# score_scale 1 as released), Adam 1e-5 for 10 epochs, images loaded at
# 448 and fed at 224, Cole et al.'s 80 / 20 split and single positive
# labels; the epoch is chosen on the held-out val split's clean mAP. A
# dataset config sets EM's alpha.
_base_ = [
    './models/sigrl_vit_b16.py',
    './schedules/single_positive_adam_10e.py',
    './default_runtime.py',
]

model = dict(
    image_encoder=dict(_delete_=True, type='CLIPImageEncoder', frozen=False),
    # EM is the only loss of the single-positive recipe: no teacher
    teacher_image_encoder=None,
    head=dict(loss=dict(_delete_=True, type='EntropyMaximizationLoss',
                        alpha=0.1),
              distillation_weight=0., activation='sigmoid', threshold=0.5))

sigrl_spml_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(448, 448)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='Resize', scale=(224, 224)),
    dict(type='PackInputs', algorithm_keys=('observed_label', )),
]
sigrl_spml_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(448, 448)),
    dict(type='Resize', scale=(224, 224)),
    dict(type='PackInputs', algorithm_keys=('full_label', )),
]

default_hooks = dict(checkpoint=dict(save_best='ssgrl/mAP', rule='greater'))
custom_hooks = [
    dict(type='BestAndLastHook', metric='ssgrl/mAP',
         selection_split='held-out val (20 % of the training list)'),
]
