# The scenes CLIP: a tiny open_clip model (ViT image tower, patch 16 at
# 128 px: 64 patch tokens, pooled by their mean; 2-layer text transformer;
# 64-d joint space)
# pretrained by this project on captioned shapes scenes
# (configs/demo/scenes_clip_pretrain.py): the CLIP of the demos on
# `ShapesScenes`. Use it as
#   model = dict(clip=dict(_delete_=True, arch={{_base_.scenes_clip_arch}},
#                          pretrained='shapes-scenes'),
#                data_preprocessor={{_base_.scenes_clip_preprocessor}})
scenes_clip_arch = dict(
    embed_dim=64,
    # pool_type='avg': the global feature is the mean of the projected patch
    # tokens, so pretraining aligns every patch token with the text (with
    # the class token, 'tok', the patch tokens stay unaligned: zero-shot on
    # the patches scored 12.5 mAP against 17-19 for the class token)
    vision_cfg=dict(layers=4, width=64, head_width=16, patch_size=16,
                    image_size=128, pool_type='avg'),
    text_cfg=dict(context_length=77, vocab_size=49408, width=64, heads=4,
                  layers=2))
scenes_clip = dict(arch=scenes_clip_arch, pretrained='shapes-scenes')
# the normalisation the pretraining used (0-255 RGB)
scenes_clip_preprocessor = dict(
    mean=[127.5, 127.5, 127.5], std=[64., 64., 64.], to_rgb=True)
