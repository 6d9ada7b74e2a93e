# ImageNet ResNet-50 + linear head on the NUS-WIDE single-positive
# benchmark (Cole et al.), assume-negative loss. Another loss of the family:
#   --cfg-options model.head.loss.type=EntropyMaximizationLoss
# (extra fields the same way, e.g. EPR's expected_num_pos, 1.9 here:
#   model.head.loss.expected_num_pos=1.9).
_base_ = [
    '../_base_/single_positive_runtime.py',
    '../_base_/datasets/nuswide_single_positive.py',
]

model = dict(head=dict(num_classes=81))
