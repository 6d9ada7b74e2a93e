# DualCoOp on the embedded shapes data under partial labels (p = 0.5), on
# the shapes CLIP: a tiny CLIP this project pretrains on captioned shapes
# scenes (configs/demo/shapes_clip_pretrain.py), built once into the cache
# on first use (a few minutes on 2 CPU cores), downloaded from nowhere.
# Only the prompt contexts train; both CLIP towers stay frozen, as with real
# weights. The same demo on a random CLIP, for contrast:
#   --cfg-options model.clip.pretrained=None
_base_ = [
    '../_base_/models/dualcoop_rn101.py',
    '../_base_/models/shapes_clip.py',
    '../_base_/datasets/shapes_partial.py',
    '../_base_/shapes_demo_runtime.py',
]

model = dict(
    class_names={{_base_.class_names}},
    clip=dict(_delete_=True, arch={{_base_.shapes_clip_arch}},
              pretrained='shapes'),
    data_preprocessor={{_base_.shapes_clip_preprocessor}},
    prompt_learner=dict(n_ctx=8, class_specific=True),
)
