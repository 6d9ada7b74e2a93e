# DualCoOp (Sun et al., NeurIPS 2022) zero-shot on NUS-WIDE: learn prompt
# contexts shared by all classes on the 925 seen tags, then score the 81
# unseen concepts (ZSL) and all 1,006 classes (GZSL) with the same
# contexts. CLIP RN50 at 224 as in the paper's zero-shot table.
_base_ = [
    '../_base_/dualcoop_runtime.py',
    '../_base_/datasets/nuswide_zsl.py',
]

model = dict(
    class_names={{_base_.class_names}},
    test_class_names={{_base_.test_class_names}},
    clip=dict(model_name='RN50-quickgelu'),
    prompt_learner=dict(class_specific=False))
default_hooks = dict(checkpoint=dict(save_best='zsl/mAP'))
custom_hooks = [
    dict(type='BestAndLastHook', metric='zsl/mAP',
         selection_split='test (as the published zero-shot code)'),
]
