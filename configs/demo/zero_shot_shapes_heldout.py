# Zero-shot on the two colour-shape pairs the shapes demo never labels
# ('green square', 'yellow triangle'): the shapes CLIP with fixed prompts
# scores them on captioned-shapes val scenes, which draw all 12 pairs.
#   python tools/analysis_tools/test_untrained.py \
#       configs/demo/zero_shot_shapes_heldout.py
# The model is zero_shot_shapes.py's (fixed prompts, logit scale 1), on
# dualcoop_shapes.py directly to keep the config chain short.
_base_ = './dualcoop_shapes.py'

heldout_classes = ['green square', 'yellow triangle']
model = dict(
    test_class_names=heldout_classes,
    prompt_learner=dict(
        _delete_=True, type='FixedPromptLearner',
        templates=('a photo of a {}.', )),
    head=dict(logit_scale=1.))
test_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ShapesCaptions',
        num_images=256,
        image_size=64,
        seed=0,
        split='val',
        classes=heldout_classes,
        pipeline=[dict(type='PackInputs')]))
test_evaluator = [dict(type='AveragePrecision')]
