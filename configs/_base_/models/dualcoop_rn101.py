# DualCoOp (Sun et al., NeurIPS 2022) on CLIP RN101 with OpenAI weights.
# Only the prompt contexts train; the CLIP towers are frozen.
# `class_names` is set by the method config from its dataset.
_base_ = './clip_rn101.py'

model = dict(
    prompt_learner=dict(
        type='DualCoOpPromptLearner', n_ctx=16, class_specific=True,
        init_std=0.02),
    head=dict(
        type='DualCoOpHead',
        logit_scale=100.,
        spatial_temperature=20.,
        learnable_scales=False,
        loss=dict(type='MaskedAsymmetricLoss', gamma_pos=1., gamma_neg=2.,
                  clip=0.05)))
