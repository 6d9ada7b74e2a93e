# SigRL (Zhang et al., ICME 2025) with single positive labels on VOC 2012
# (Cole et al.'s labels and 80 / 20 split, seed 1200): whole ViT-B/16
# trainable, EM loss (alpha 0.2), Adam 1e-5, 10 epochs, 448 then 224 px:
#   python tools/train.py configs/sigrl/voc12_spml.py
_base_ = [
    '../_base_/sigrl_spml_runtime.py',
    '../_base_/datasets/voc12_single_positive.py',
]

model = dict(class_names={{_base_.class_names}},
             head=dict(loss=dict(alpha=0.2)))
train_dataloader = dict(
    batch_size=8,
    dataset=dict(pipeline={{_base_.sigrl_spml_train_pipeline}}))
val_dataloader = dict(
    dataset=dict(pipeline={{_base_.sigrl_spml_test_pipeline}}))
test_dataloader = dict(
    dataset=dict(pipeline={{_base_.sigrl_spml_test_pipeline}}))
