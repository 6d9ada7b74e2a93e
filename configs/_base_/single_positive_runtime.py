# What every single-positive benchmark config shares (Cole et al.): the
# ResNet-50 + linear head model, Adam for 10 epochs, the runtime, and the
# hooks (epoch for epoch-dependent losses; best epoch chosen on the
# held-out val split by Cole's mAP). A method config adds its dataset base
# and the number of classes.
_base_ = [
    './models/resnet50_linear.py',
    './schedules/single_positive_adam_10e.py',
    './default_runtime.py',
]

default_hooks = dict(checkpoint=dict(save_best='ssgrl/mAP', rule='greater'))
custom_hooks = [
    dict(type='SetEpochHook'),  # epoch-dependent losses (LL, SPLC, APL)
    dict(type='BestAndLastHook', metric='ssgrl/mAP',
         selection_split='held-out val (20 % of the training list)'),
]
