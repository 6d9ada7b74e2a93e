# DualCoOp (Sun et al., NeurIPS 2022) on NUS-WIDE (81 concepts) partial labels:
# CLIP RN101 at 448, class-specific positive/negative prompts, masked ASL,
# SGD lr 0.002, 50 epochs, batch 32. p = 0.5 by default; e.g. p = 0.1:
#   python tools/train.py configs/dualcoop/nuswide.py \
#       --cfg-options train_dataloader.dataset.label_protocol.p=0.1
_base_ = [
    '../_base_/dualcoop_runtime.py',
    '../_base_/datasets/nuswide_partial.py',
]

model = dict(class_names={{_base_.class_names}})
