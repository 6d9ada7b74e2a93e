# TRM-ML (Ma et al., ACM MM 2024) on CUB-200-2011 attributes (312) partial
# labels: CLIP RN101 at 448, frozen towers, fixed prompts, AdamW 1e-3 for
# 20 epochs, batch 32. p = 0.5 by default; e.g. p = 0.1:
#   python tools/train.py configs/trm_ml/cub.py \
#       --cfg-options train_dataloader.dataset.label_protocol.p=0.1
# Ablations, e.g. without prototypes / pseudo-labels:
#       --cfg-options model.head.prototypes=None
_base_ = [
    '../_base_/trm_ml_runtime.py',
    '../_base_/datasets/cub_partial.py',
]

model = dict(class_names={{_base_.class_names}})
