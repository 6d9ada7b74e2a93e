# TRM-ML (Ma et al., ACM MM 2024) on CLIP RN101 with OpenAI weights.
# Both CLIP towers are frozen; the category queries, the cross-attention
# block, the MLP and the logit scale train. Values the paper does not state
# are reconstruction defaults (configs/trm_ml/README.md lists them).
# `class_names` is set by the method config from its dataset.
_base_ = './clip_rn101.py'

model = dict(
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
