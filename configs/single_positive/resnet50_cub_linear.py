# The linear setting of Cole et al. on the CUB-200-2011 attributes
# single-positive benchmark: a linear layer trained on fixed ImageNet
# ResNet-50 features (computed once into a feature cache), assume-negative
# loss; the end-to-end setting is ./resnet50_cub.py. Another loss of the
# family:
#   --cfg-options model.head.loss.type=EntropyMaximizationLoss
_base_ = [
    '../_base_/single_positive_linear_runtime.py',
    '../_base_/datasets/cub_single_positive.py',
]

model = dict(head=dict(num_classes=312))
