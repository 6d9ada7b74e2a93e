# A prompt classifier on CLIP RN101 with OpenAI weights, both towers frozen:
# what the DualCoOp and TRM-ML models share. A model base adds its prompt
# learner and head; `class_names` is set by the method config.
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
    data_preprocessor=dict(mean=clip_mean, std=clip_std, to_rgb=True))
