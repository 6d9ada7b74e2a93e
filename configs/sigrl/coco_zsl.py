# SigRL (Zhang et al., ICME 2025) zero-shot on COCO 2014, 48 seen / 17
# unseen classes (class-list files in configs/_base_/datasets/coco_zsl/):
# the NUS-WIDE recipe (ViT-B/16, blocks 10-11 trained, ranking + L1
# distillation, 20 epochs); one test run reports ZSL (the 17 scored on
# their own) and GZSL (all 65):
#   python tools/train.py configs/sigrl/coco_zsl.py
_base_ = [
    '../_base_/sigrl_zsl_runtime.py',
    '../_base_/datasets/coco_zsl.py',
]

model = dict(
    class_names={{_base_.class_names}},
    test_class_names={{_base_.test_class_names}},
    test_vocabularies=dict(zsl={{_base_.unseen_classes}}))
train_dataloader = dict(
    dataset=dict(pipeline={{_base_.sigrl_train_pipeline}}))
val_dataloader = dict(dataset=dict(pipeline={{_base_.sigrl_test_pipeline}}))
test_dataloader = val_dataloader
val_evaluator = dict(zsl_score_key='pred_score_zsl')
test_evaluator = val_evaluator
