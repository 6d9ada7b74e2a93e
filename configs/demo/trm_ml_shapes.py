# TRM-ML on the embedded shapes data under partial labels (p = 0.5), on the
# shapes CLIP (shipped with the package). Both CLIP towers
# stay frozen; the category queries, the cross-attention block, the MLP and
# the logit scale train. Pseudo-labels start after the first epoch.
#   python tools/train.py configs/demo/trm_ml_shapes.py
# p = 0.1: --cfg-options train_dataloader.dataset.label_protocol.p=0.1
_base_ = [
    '../_base_/models/trm_ml_rn101.py',
    '../_base_/models/shapes_clip.py',
    '../_base_/datasets/shapes_partial.py',
    '../_base_/shapes_demo_runtime.py',
]

model = dict(
    class_names={{_base_.class_names}},
    clip=dict(_delete_=True, arch={{_base_.shapes_clip_arch}},
              pretrained='shapes'),
    data_preprocessor={{_base_.shapes_clip_preprocessor}},
)

optim_wrapper = dict(optimizer=dict(weight_decay=5e-4))
custom_hooks = [dict(type='SetEpochHook')]
