# CUB-200-2011 attributes (312) under partial labels: the official train
# split trains, the official test split tests.
# Choose p with --cfg-options train_dataloader.dataset.label_protocol.p=0.1
_base_ = './partial_labels_448.py'

dataset_type = 'CUBAttributes'
data_root = 'data/CUB_200_2011'
# the model reads the class names from the dataset's own name file
class_names = dict(type=dataset_type, data_root=data_root)

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train'))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='test'))
test_dataloader = val_dataloader
