# The "CLIP alone" row of the scenes demos: the scenes CLIP scores the
# shapes scenes against fixed prompts ('a photo of a {}.') with DualCoOp's
# region aggregation, with no training on the multi-label task, so it is
# evaluated without a checkpoint:
#   python tools/analysis_tools/test_untrained.py \
#       configs/demo/zero_shot_scenes.py
_base_ = './dualcoop_scenes.py'

model = dict(
    prompt_learner=dict(
        _delete_=True, type='FixedPromptLearner',
        templates=('a photo of a {}.', )),
    # rank at scale 1: at 100 the float32 sigmoids saturate and tie
    head=dict(logit_scale=1.))
