# ImageNet ResNet-50 + linear head on the voc12 single-positive benchmark
# (Cole et al.), assume-negative loss. Another loss of the family:
#   --cfg-options model.head.loss.type=EntropyMaximizationLoss
# (losses with extra fields, e.g. EPR's expected_num_pos = 1.5 here, take
# them the same way: model.head.loss.expected_num_pos=1.5).
_base_ = [
    '../_base_/models/resnet50_linear.py',
    '../_base_/datasets/voc12_single_positive.py',
    '../_base_/schedules/single_positive_adam_10e.py',
    '../_base_/default_runtime.py',
]

model = dict(head=dict(num_classes=20))
default_hooks = dict(
    checkpoint=dict(save_best={{_base_.best_metric}}, rule='greater'))
custom_hooks = [
    dict(type='LossEpochHook'),  # epoch-dependent losses (LL, SPLC, APL)
    dict(type='BestAndLastHook', metric={{_base_.best_metric}},
         selection_split={{_base_.selection_split}})
]
