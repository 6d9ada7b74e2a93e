# MS-COCO 2014 under partial labels: train2014 (images with >= 1 object,
# ascending image id) / val2014.
# Choose p with --cfg-options train_dataloader.dataset.label_protocol.p=0.1
_base_ = './partial_labels_448.py'

dataset_type = 'COCOMultiLabel'
data_root = 'data/coco'
class_names = dataset_type  # the model takes the dataset's readable names

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train'))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='val'))
test_dataloader = val_dataloader
