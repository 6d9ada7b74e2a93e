# DualCoOp (Sun et al., NeurIPS 2022) zero-shot on NUS-WIDE: learn prompt
# contexts shared by all classes on the 925 seen tags, then score the 81
# unseen concepts (ZSL) and all 1,006 classes (GZSL) with the same
# contexts. CLIP RN50 at 224 as in the paper's zero-shot table.
_base_ = [
    '../_base_/models/dualcoop_rn101.py',
    '../_base_/datasets/nuswide_zsl.py',
    '../_base_/schedules/dualcoop_sgd_50e.py',
    '../_base_/default_runtime.py',
]

model = dict(
    class_names={{_base_.class_names}},
    test_class_names={{_base_.test_class_names}},
    clip=dict(model_name='RN50-quickgelu'),
    prompt_learner=dict(class_specific=False))
default_hooks = dict(
    checkpoint=dict(save_best={{_base_.best_metric}}, rule='greater'))
custom_hooks = [
    dict(type='BestAndLastHook', metric={{_base_.best_metric}},
         selection_split={{_base_.selection_split}})
]
