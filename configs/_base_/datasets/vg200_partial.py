# Visual Genome VG-200 (the split of the HCP-MLR-PL line of work) under
# partial labels.
# Choose p with --cfg-options train_dataloader.dataset.label_protocol.p=0.1
_base_ = './partial_labels_448.py'

dataset_type = 'VisualGenome200'
data_root = 'data/visual_genome'
class_names = dataset_type  # the model takes the dataset's readable names

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train'))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='test'))
test_dataloader = val_dataloader
