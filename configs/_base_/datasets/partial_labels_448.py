# What the partial-label benchmarks share (DualCoOp's released code):
# train = resize to 448 x 448, Cutout of half the side at a random place,
# RandAugment; test = resize to 448 x 448. Mean/std are applied by the
# model's data preprocessor (CLIP's or ImageNet's). Observed labels follow
# the common partial-label protocol: each (image, class) entry known with
# probability p, np.random.seed(0) over the canonical image order. A dataset
# file sets the dataset type, root and splits.
# Reconstruction notes: DualCoOp fills the cutout with a random colour and
# uses the RandAugment of the ASL code base; mmpretrain's Cutout (grey fill)
# and RandAugment (2 ops, magnitude 9 of 10) stand in.
image_size = 448

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size)),
    dict(type='Cutout', shape=image_size // 2, prob=1.0),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2,
         magnitude_level=9, total_level=10),
    dict(type='PackInputs', algorithm_keys=('observed_label', )),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size)),
    dict(type='PackInputs', algorithm_keys=('full_label', )),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    dataset=dict(
        label_protocol=dict(type='PartialLabels', p=0.5, seed=0),
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    dataset=dict(pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader

# Both mAP conventions are reported; the first selects the best checkpoint.
# 'ssgrl': per-class AP as in the SSGRL / DualCoOp / Cole code (a class
# without positives counts 0); 'mmpretrain': exact AP, ignored targets and
# classes without positives left out.
val_evaluator = [
    dict(type='MultiLabelMAP', convention='ssgrl', prefix='ssgrl'),
    dict(type='MultiLabelMAP', convention='mmpretrain', prefix='mmpretrain'),
    dict(type='MultiLabelPRF', thr=0.5, topk=3),
]
test_evaluator = val_evaluator
