# The "CLIP alone" row of the shapes demo: the shapes CLIP scores the val
# split against fixed prompts ('a photo of a {}.'), with DualCoOp's region
# aggregation and no training on the multi-label task. Nothing here is
# learnt, so it is evaluated without a checkpoint:
#   python tools/analysis_tools/test_untrained.py \
#       configs/demo/zero_shot_shapes.py
# Pairs outside the demo's vocabulary: zero_shot_shapes_heldout.py
_base_ = './dualcoop_shapes.py'

model = dict(
    prompt_learner=dict(
        _delete_=True, type='FixedPromptLearner',
        templates=('a photo of a {}.', )),
    # scores are sigmoid(logit_scale * cosine): at DualCoOp's 100 they
    # round to 1.0 in float32 and tie, so rank at scale 1 (the metric, mAP,
    # depends only on the order)
    head=dict(logit_scale=1.))
