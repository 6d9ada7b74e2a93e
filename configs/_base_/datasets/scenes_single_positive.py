# The shapes scenes under the single-positive protocol of Cole et al.
# (CVPR 2021): one random positive per training image (RandomState 1200),
# everything else unknown; 20 % of the training list held out with clean
# labels to select the best epoch (RandomState 1200); the test split is
# separate. With 2.9 positives per image, treating unknowns as negatives
# mislabels a fair share of the entries, as on COCO.
_base_ = './scenes_partial.py'

_test_pipeline = [dict(type='PackInputs', algorithm_keys=('full_label', ))]
_train_list = dict(type={{_base_.dataset_type}}, num_images=4000,
                   image_size={{_base_.image_size}}, seed=0, split='train',
                   cache_images=True, classes={{_base_.class_names}})

train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        **_train_list,
        label_protocol=dict(type='SinglePositiveLabels', seed=1200),
        holdout=dict(part='train', fraction=0.2, seed=1200),
        pipeline=[
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PackInputs', algorithm_keys=('observed_label', )),
        ]))
val_dataloader = dict(
    dataset=dict(
        _delete_=True,
        **_train_list,
        holdout=dict(part='val', fraction=0.2, seed=1200),
        pipeline=_test_pipeline))
test_dataloader = dict(dataset=dict(pipeline=_test_pipeline))

# Cole et al.'s mAP (a class without positives counts 0), selected on the
# held-out part of the training list.
val_evaluator = [
    dict(type='MultiLabelMAP', convention='ssgrl', prefix='ssgrl'),
    dict(type='MultiLabelMAP', convention='mmpretrain', prefix='mmpretrain'),
]
test_evaluator = val_evaluator
best_metric = 'ssgrl/mAP'
selection_split = 'held-out val (20 % of the training list)'
