# SigRL (Zhang et al., ICME 2025) zero-shot on NUS-WIDE: train on the 925
# seen tags (images without a seen positive left out of the losses), then
# one test run scores the 81 unseen concepts on their own (ZSL: text
# features and label graph of the 81) and all 1,006 classes (GZSL), and
# reports F1@3, F1@5 and mAP for both:
#   python tools/train.py configs/sigrl/nuswide_zsl.py
#   python tools/test.py configs/sigrl/nuswide_zsl.py CHECKPOINT
_base_ = [
    '../_base_/sigrl_zsl_runtime.py',
    '../_base_/datasets/nuswide_zsl.py',
]

model = dict(
    class_names={{_base_.class_names}},
    test_class_names={{_base_.test_class_names}},
    test_vocabularies=dict(zsl=dict(
        type={{_base_.dataset_type}}, data_root={{_base_.data_root}},
        vocabulary='unseen')))
train_dataloader = dict(
    num_workers=8, dataset=dict(pipeline={{_base_.sigrl_train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.sigrl_test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(type='ZeroShotMetric', num_unseen=81, ks=(3, 5),
                     map_convention='zsl', zsl_score_key='pred_score_zsl')
test_evaluator = val_evaluator
