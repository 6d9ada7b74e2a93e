# The shapes demo with an mmpretrain backbone in place of the CLIP image
# tower: a ResNet-18 (trained from scratch here) whose last feature map is
# projected into CLIP's joint space; prompts and text tower as in
# dualcoop_shapes.py.
_base_ = './dualcoop_shapes.py'

model = dict(
    image_encoder=dict(
        _delete_=True,
        type='ProjectedBackbone',
        backbone=dict(type='ResNet', depth=18, out_indices=(3, )),
        in_channels=512,
        embed_dim=64))
