# The embedded shapes data (rendered in code, nothing to download) under
# partial labels: each (image, class) entry known with probability p
# (numpy seed 0, the common partial-label protocol). Choose p with
# --cfg-options train_dataloader.dataset.label_protocol.p=0.3
dataset_type = 'ShapesMultiLabel'
class_names = [
    'red circle', 'green circle', 'blue circle', 'yellow circle',
    'red square', 'blue square', 'yellow square', 'red triangle',
    'green triangle', 'blue triangle'
]
image_size = 64

train_pipeline = [
    dict(type='RandomFlip', prob=0.5, direction='horizontal'),
    dict(type='PackInputs', algorithm_keys=('observed_label', )),
]
test_pipeline = [dict(type='PackInputs', algorithm_keys=('observed_label', ))]

train_dataloader = dict(
    batch_size=32,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type=dataset_type,
        num_images=1600,
        image_size=image_size,
        seed=0,
        split='train',
        classes=class_names,
        label_protocol=dict(type='PartialLabels', p=0.5, seed=0),
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))

val_dataloader = dict(
    batch_size=64,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type=dataset_type,
        num_images=256,
        image_size=image_size,
        seed=0,
        split='val',
        classes=class_names,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
# mmpretrain's mAP: exact AP per class, averaged over classes with positives
val_evaluator = [
    dict(type='AveragePrecision'),
    dict(type='MultiLabelMetric', thr=0.5, average='macro'),
]
test_dataloader = val_dataloader
test_evaluator = val_evaluator
