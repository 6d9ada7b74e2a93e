# SigRL (Zhang et al., ICME 2025) on CLIP ViT-B/16 with OpenAI weights.
# The image tower trains its last two residual blocks (10 and 11) and its
# tail (ln_post, projection); a frozen copy of the tower as loaded is the
# distillation teacher; the text tower is frozen and scores one fixed
# template. `class_names` is set by the method config from its dataset.
imagenet_mean = [123.675, 116.28, 103.53]
imagenet_std = [58.395, 57.12, 57.375]

model = dict(
    type='CLIPPromptClassifier',
    # pretrained: an open_clip tag ('openai' downloads on a connected
    # machine) or a local file; OpenAI weights need QuickGELU.
    clip=dict(model_name='ViT-B-16-quickgelu', pretrained='openai'),
    image_encoder=dict(type='CLIPImageEncoder', trainable_blocks=2),
    teacher_image_encoder=dict(type='CLIPImageEncoder'),
    text_encoder=dict(type='CLIPTextEncoder', truncate=True),
    prompt_learner=dict(type='FixedPromptLearner',
                        templates=('There is a {} in the scene.', )),
    head=dict(
        type='SigRLHead',
        loss=dict(type='PairwiseRankingLoss', margin=1.),
        graph=dict(hidden_dim=128, num_heads=4, dropout=0.3),
        # classes per chunk of the reconstruction: memory ~ chunk, not C
        reconstruction=dict(chunk_size=16),
        topk=16,
        distillation_weight=1.),
    # the released zero-shot code normalises with ImageNet's statistics
    data_preprocessor=dict(mean=imagenet_mean, std=imagenet_std,
                           to_rgb=True))
