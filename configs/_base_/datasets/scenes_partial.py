# The shapes scenes (rendered in code, nothing to download): 48 colour-shape
# classes with long-tailed frequencies and context co-occurrence, 1-10
# objects of 0.3-20 % of the image, occlusion, distractors, textured
# backgrounds, at 128 px (`ShapesScenes`; figures beside COCO's and VOC's:
# tools/analysis_tools/scene_statistics.py). Partial labels: each (image,
# class) entry known with probability p (numpy seed 0, the common protocol).
#   --cfg-options train_dataloader.dataset.label_protocol.p=0.1
dataset_type = 'ShapesScenes'
image_size = 128
class_names = [
    f'{colour} {shape}'
    for colour in ('red', 'orange', 'yellow', 'green', 'cyan', 'blue',
                   'purple', 'pink')
    for shape in ('circle', 'square', 'triangle', 'star', 'cross', 'ring')
]
# The zero-shot split of the scenes, fixed before any run: every fourth
# class of the list is unseen (12: four stars, four squares, four rings,
# every colour once or twice), the other 36 are seen.
unseen_classes = class_names[3::4]
seen_classes = [name for name in class_names if name not in unseen_classes]

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
        num_images=4000,
        image_size=image_size,
        seed=0,
        split='train',
        cache_images=True,
        classes=class_names,
        label_protocol=dict(type='PartialLabels', p=0.5, seed=0),
        pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))

val_dataloader = dict(
    batch_size=100,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type=dataset_type,
        num_images=1000,
        image_size=image_size,
        seed=0,
        split='val',
        cache_images=True,
        classes=class_names,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
# mmpretrain's mAP: exact AP per class, averaged over classes with positives
val_evaluator = [
    dict(type='AveragePrecision'),
    dict(type='MultiLabelMetric', thr=0.5, average='macro'),
]
test_dataloader = dict(
    batch_size=100,
    num_workers=0,
    persistent_workers=False,
    dataset=dict(
        type=dataset_type,
        num_images=1000,
        image_size=image_size,
        seed=0,
        split='test',
        classes=class_names,
        pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_evaluator = val_evaluator
