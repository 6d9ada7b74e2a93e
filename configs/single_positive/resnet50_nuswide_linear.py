# The linear setting of Cole et al. on the NUS-WIDE single-positive
# benchmark: a linear layer trained on fixed ImageNet ResNet-50 features
# (computed once into a feature cache), assume-negative loss; the
# end-to-end setting is ./resnet50_nuswide.py. Another loss of the family:
#   --cfg-options model.head.loss.type=EntropyMaximizationLoss
_base_ = [
    '../_base_/single_positive_linear_runtime.py',
    '../_base_/datasets/nuswide_single_positive.py',
]

model = dict(head=dict(num_classes=81))
