# Contrastive pretraining of the scenes CLIP (configs/_base_/models/
# scenes_clip.py) on captioned `ShapesScenes` (seed 100: other scenes than
# the demos' splits, same world), as the shapes CLIP is pretrained
# (configs/demo/shapes_clip_pretrain.py): symmetric InfoNCE between each
# scene and its caption. A caption names each kind of object of the scene
# with probability 0.5 (at least one), distractors included ("two red
# stars and a white ring"), as real captions name some of what a photo
# shows; naming every object lets a tiny ViT match scenes by their set of
# colours alone, without learning shapes. No class prompt or label vector
# of the demos is a target. The export lands in the work dir
# as open_clip.pth:
#   python tools/train.py configs/demo/scenes_clip_pretrain.py
_base_ = ['./shapes_clip_pretrain.py', '../_base_/models/scenes_clip.py']

model = dict(clip=dict(arch={{_base_.scenes_clip_arch}}))

train_dataloader = dict(
    batch_size=256,
    dataset=dict(
        _delete_=True,
        type='ShapesScenes',
        num_images=48000,
        image_size=128,
        seed=100,
        split='train',
        cache_images=True,
        caption_share=0.5,
        pipeline=[
            dict(type='RandomFlip', prob=0.5, direction='horizontal'),
            dict(type='PackInputs', algorithm_keys=('caption', )),
        ]))
max_epochs = 10
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=True, begin=0, end=1,
         convert_to_iter_based=True),
    dict(type='CosineAnnealingLR', by_epoch=True, begin=1, end=max_epochs,
         eta_min=2e-5, convert_to_iter_based=True),
]
train_cfg = dict(by_epoch=True, max_epochs=max_epochs)
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=max_epochs, save_best=None, max_keep_ckpts=1))
# The code the result depends on besides this config (package-relative).
recipe_sources = [
    'datasets/scene_world.py', 'datasets/scene_render.py',
    'datasets/shapes_scenes.py', 'datasets/shapes.py',
    'datasets/shapes_captions.py', 'models/pretrainers/contrastive_clip.py',
    'models/losses/info_nce.py', 'engine/hooks/export_open_clip.py'
]
