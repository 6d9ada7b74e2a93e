# DualCoOp (Sun et al., NeurIPS 2022) zero-shot on NUS-WIDE: learn prompt
# contexts shared by all classes on the 925 seen tags, then score the 81
# unseen concepts (ZSL) and all 1,006 classes (GZSL) with the same
# contexts. The released zero-shot recipe: CLIP RN50 at 224, 64 positive
# and 64 negative context tokens, lr 0.001 on NUS-WIDE, --loss_w 0.01 on its
# summed ASL (this masked ASL divides the sum by the batch size of 32, hence
# loss_weight 0.32 -- a reconstruction, assuming the released ASL sums).
# Not reproduced: its option to score a random subset of the 925 seen
# classes per step (--num_train_cls).
_base_ = [
    '../_base_/dualcoop_runtime.py',
    '../_base_/datasets/nuswide_zsl.py',
]

model = dict(
    class_names={{_base_.class_names}},
    test_class_names={{_base_.test_class_names}},
    clip=dict(model_name='RN50-quickgelu'),
    prompt_learner=dict(class_specific=False, n_ctx=64),
    head=dict(loss=dict(loss_weight=0.32)))
optim_wrapper = dict(optimizer=dict(lr=0.001))
default_hooks = dict(checkpoint=dict(save_best='zsl/mAP'))
custom_hooks = [
    dict(type='BestAndLastHook', metric='zsl/mAP',
         selection_split='test (as the published zero-shot code)'),
]
