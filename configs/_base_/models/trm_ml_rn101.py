# TRM-ML (Ma et al., ACM MM 2024) on CLIP RN101 with OpenAI weights.
# Both CLIP towers are frozen; the category queries, the cross-attention
# block, the MLP and the logit scale train. Values the paper does not state
# are reconstruction defaults (configs/trm_ml/README.md lists them).
# `class_names` is set by the method config from its dataset.
# The CLIP part is DualCoOp's (./clip_rn101.py), written out here so that
# method configs stay at most three bases deep.
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
    data_preprocessor=dict(mean=clip_mean, std=clip_std, to_rgb=True),
    # text side: fixed prompts (ablation: CoOpPromptLearner or
    # DualCoOpPromptLearner, which then train too)
    prompt_learner=dict(type='FixedPromptLearner',
                        templates=('a photo of a {}.', )),
    head=dict(
        type='TRMHead',
        # the attention's form (reconstruction defaults): no residual from
        # the query, starts as attention pooling (identity projections,
        # zero MLP output), values the raw dense tokens
        region_attention=dict(num_heads=8, num_layers=1, mlp_ratio=1.,
                              query_residual=False, block_init='pooling',
                              normalise_values=False),
        query_init='text',
        logit_scale=50.,
        learnable_scale=True,
        loss=dict(type='MaskedAsymmetricLoss', gamma_pos=1., gamma_neg=2.,
                  clip=0.05),
        pseudo_label_weight=1.,
        distillation=dict(type='RegionDistillationLoss', mode='feature',
                          loss_weight=1.),
        contrastive=dict(type='MultimodalContrastiveLoss', temperature=0.07,
                         loss_weight=0.1),
        contrast_pseudo_positives=True,
        prototypes=dict(type='CategoryPrototypes', momentum=0.9,
                        tau_proto=0.1, tau_affinity=0.05),
        warmup_epochs=1,
        pseudo_positive_thr=0.9,
        pseudo_negative_thr=0.1))
