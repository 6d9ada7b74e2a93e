# ImageNet ResNet-50 + linear head on the CUB-200-2011 attributes
# single-positive benchmark (Cole et al.), assume-negative loss. Another
# loss of the family:
#   --cfg-options model.head.loss.type=EntropyMaximizationLoss
# (extra fields the same way, e.g. EPR's expected_num_pos, 31.4 here:
#   model.head.loss.expected_num_pos=31.4).
_base_ = [
    '../_base_/single_positive_runtime.py',
    '../_base_/datasets/cub_single_positive.py',
]

model = dict(head=dict(num_classes=312))
