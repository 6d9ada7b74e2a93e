# COCO 2014 zero-shot, the 48 seen / 17 unseen split of Bansal et al.
# (ECCV 2018), as the class-list files next to this file (COCO's names, in
# COCO's category order): train with full labels on the 48 seen classes;
# test on val2014 over all 65 classes (48 seen then 17 unseen; the other
# 15 COCO classes take no part) for GZSL, the 17 for ZSL. A method config
# adds its pipelines. Other splits: point the three files elsewhere.
dataset_type = 'COCOMultiLabel'
data_root = 'data/coco'
seen_classes = '{{ fileDirname }}/coco_zsl/seen_48.txt'
unseen_classes = '{{ fileDirname }}/coco_zsl/unseen_17.txt'
gzsl_classes = '{{ fileDirname }}/coco_zsl/all_65.txt'

class_names = seen_classes
test_class_names = gzsl_classes

train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 class_subset=seen_classes),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 class_subset=gzsl_classes),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader

val_evaluator = dict(type='ZeroShotMetric', unseen_classes=unseen_classes,
                     ks=(3, 5), map_convention='zsl')
test_evaluator = val_evaluator
