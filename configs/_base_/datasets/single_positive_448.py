# What the single-positive benchmark shares (Cole et al., CVPR 2021):
# one random positive per training image (RandomState 1200), everything
# else unknown, observed over the whole official training list; then 20 %
# of that list is held out with clean labels to select the best epoch
# (RandomState 1200); the official test / val list tests. Images are
# resized to 448 x 448 and flipped at random while training. A dataset file
# sets the dataset type, root and splits.
image_size = 448

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size)),
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs', algorithm_keys=('observed_label', )),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size)),
    dict(type='PackInputs', algorithm_keys=('full_label', )),
]

train_dataloader = dict(
    batch_size=8,
    num_workers=4,
    dataset=dict(
        label_protocol=dict(type='SinglePositiveLabels', seed=1200),
        holdout=dict(part='train', fraction=0.2, seed=1200),
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=32,
    num_workers=4,
    dataset=dict(
        holdout=dict(part='val', fraction=0.2, seed=1200),
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = dict(
    batch_size=32,
    num_workers=4,
    dataset=dict(pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))

# Cole et al.'s mAP: per-class AP, a class without positives counts 0.
val_evaluator = [
    dict(type='MultiLabelMAP', convention='ssgrl', prefix='ssgrl'),
    dict(type='MultiLabelMAP', convention='mmpretrain', prefix='mmpretrain'),
]
test_evaluator = val_evaluator
