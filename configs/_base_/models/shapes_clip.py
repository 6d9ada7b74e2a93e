# The shapes CLIP: a tiny open_clip model (ModifiedResNet image tower,
# 2-layer text transformer, 64-d joint space) pretrained by this project on
# captioned shapes scenes (configs/demo/shapes_clip_pretrain.py).
# `pretrained='shapes'` loads it from the cache (MMPRETRAIN_MLR_CACHE, else
# $XDG_CACHE_HOME/mmpretrain_mlr, else ~/.cache/mmpretrain_mlr) and builds
# it there once when it is absent (a few minutes on 2 CPU cores).
# A config takes these variables, e.g. for a model whose base sets `clip`:
#   model = dict(clip=dict(_delete_=True, arch={{_base_.shapes_clip_arch}},
#                          pretrained='shapes'),
#                data_preprocessor={{_base_.shapes_clip_preprocessor}})
shapes_clip_arch = dict(
    embed_dim=64,
    vision_cfg=dict(layers=[1, 1, 1, 1], width=16, head_width=16,
                    image_size=64),
    text_cfg=dict(context_length=77, vocab_size=49408, width=64, heads=4,
                  layers=2))
shapes_clip = dict(arch=shapes_clip_arch, pretrained='shapes')
# the normalisation the pretraining used (0-255 RGB)
shapes_clip_preprocessor = dict(
    mean=[127.5, 127.5, 127.5], std=[64., 64., 64.], to_rgb=True)
