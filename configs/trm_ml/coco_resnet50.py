# TRM-ML with an mmpretrain backbone in place of the CLIP image tower: an
# ImageNet ResNet-50 (trained) whose last feature map is projected into
# CLIP RN101's joint space; the CLIP text tower gives the class embeddings,
# and a frozen copy of CLIP's image tower gives the distillation target.
#   python tools/train.py configs/trm_ml/coco_resnet50.py
_base_ = './coco.py'

model = dict(
    image_encoder=dict(
        _delete_=True,
        type='ProjectedBackbone',
        backbone=dict(
            type='ResNet', depth=50, out_indices=(3, ),
            init_cfg=dict(
                type='Pretrained',
                checkpoint='https://download.openmmlab.com/mmclassification/'
                'v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth',
                prefix='backbone')),
        in_channels=2048,
        embed_dim=512),
    teacher_image_encoder=dict(type='CLIPImageEncoder'),
    # ImageNet statistics for the ResNet (the teacher sees the same input)
    data_preprocessor=dict(mean=[123.675, 116.28, 103.53],
                           std=[58.395, 57.12, 57.375], to_rgb=True))
