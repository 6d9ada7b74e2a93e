# The single-positive benchmark's model (Cole et al., CVPR 2021): an
# ImageNet-pretrained ResNet-50, global average pooling and one linear
# layer, trained end to end on observed labels. `num_classes` is set by the
# method config from its dataset; the loss is the one under comparison.
model = dict(
    type='ImageClassifier',
    data_preprocessor=dict(
        mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375],
        to_rgb=True),
    backbone=dict(
        type='ResNet', depth=50, out_indices=(3, ),
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    neck=dict(type='GlobalAveragePooling'),
    head=dict(type='ObservedLabelLinearHead', num_classes=None,
              in_channels=2048, loss=dict(type='AssumeNegativeLoss')))
