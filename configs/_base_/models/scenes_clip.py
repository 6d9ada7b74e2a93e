# The scenes CLIP: a tiny open_clip model (ViT image tower, patch 16 at
# 128 px: 64 patch tokens; 2-layer text transformer; 64-d joint space)
# pretrained by this project on captioned shapes scenes
# (configs/demo/scenes_clip_pretrain.py): the CLIP of the demos on
# `ShapesScenes`. Use it as
#   model = dict(clip=dict(_delete_=True, arch={{_base_.scenes_clip_arch}},
#                          pretrained='shapes-scenes'),
#                data_preprocessor={{_base_.scenes_clip_preprocessor}})
scenes_clip_arch = dict(
    embed_dim=64,
    vision_cfg=dict(layers=4, width=64, head_width=16, patch_size=16,
                    image_size=128),
    text_cfg=dict(context_length=77, vocab_size=49408, width=64, heads=4,
                  layers=2))
scenes_clip = dict(arch=scenes_clip_arch, pretrained='shapes-scenes')
# the normalisation the pretraining used (0-255 RGB)
scenes_clip_preprocessor = dict(
    mean=[127.5, 127.5, 127.5], std=[64., 64., 64.], to_rgb=True)
