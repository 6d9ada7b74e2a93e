# DualCoOp (Sun et al., NeurIPS 2022) on CLIP RN101 with OpenAI weights.
# Only the prompt contexts train; the CLIP towers are frozen.
# `class_names` is set by the method config from its dataset.
clip_mean = [122.770938, 116.7460125, 104.09373615]  # CLIP's, in 0-255 RGB
clip_std = [68.5005327, 66.6321579, 70.32316305]

model = dict(
    type='CLIPPromptClassifier',
    # pretrained: an open_clip tag ('openai' downloads on a connected
    # machine) or a local file; OpenAI weights need QuickGELU, which
    # open_clip applies for 'openai' and the '-quickgelu' names.
    clip=dict(model_name='RN101-quickgelu', pretrained='openai'),
    image_encoder=dict(type='CLIPImageEncoder', frozen=True),
    text_encoder=dict(type='CLIPTextEncoder', truncate=True),
    prompt_learner=dict(
        type='DualCoOpPromptLearner', n_ctx=16, class_specific=True,
        init_std=0.02),
    head=dict(
        type='DualCoOpHead',
        logit_scale=100.,
        spatial_temperature=20.,
        learnable_scales=False,
        loss=dict(type='MaskedAsymmetricLoss', gamma_pos=1., gamma_neg=2.,
                  clip=0.05)),
    data_preprocessor=dict(mean=clip_mean, std=clip_std, to_rgb=True))
