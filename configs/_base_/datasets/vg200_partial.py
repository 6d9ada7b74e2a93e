# Visual Genome VG-200 (the split of the HCP-MLR-PL line of work) under
# partial labels.
# Choose p with --cfg-options train_dataloader.dataset.label_protocol.p=0.1
_base_ = './partial_labels_448.py'

dataset_type = 'VisualGenome200'
data_root = 'data/visual_genome'
# The label files hold indices only: give the 200 category names, one per
# line in label-index order (the model's prompts and the dataset share it).
class_names = data_root + '/vg200_classes.txt'

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 classes=class_names))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 classes=class_names))
test_dataloader = val_dataloader
