# What the TRM-ML partial-label configs share: the model (CLIP RN101,
# fixed prompts, category-aware regions, KD, contrastive loss, prototype
# pseudo-labels), AdamW for 20 epochs, the runtime and the hooks: the epoch
# reaches the head (pseudo-labels after the warm-up), the end-of-epoch
# summary (EpochSummaryHook, among the default hooks) logs the
# pseudo-labels' number and precision and checks that the
# prototypes agree on every process; best epoch chosen on the test split by
# the SSGRL / DualCoOp mAP, as the partial-label code does.
_base_ = [
    './models/trm_ml_rn101.py',
    './schedules/trm_ml_adamw_20e.py',
    './default_runtime.py',
]

default_hooks = dict(checkpoint=dict(save_best='ssgrl/mAP', rule='greater'))
custom_hooks = [
    dict(type='SetEpochHook'),
    dict(type='BestAndLastHook', metric='ssgrl/mAP',
         selection_split='test (as the published partial-label code)'),
]
