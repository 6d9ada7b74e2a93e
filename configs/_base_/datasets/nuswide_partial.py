# NUS-WIDE, 81 concepts, under partial labels: the official train / test
# lists without unlabelled images.
# Choose p with --cfg-options train_dataloader.dataset.label_protocol.p=0.1
_base_ = './partial_labels_448.py'

dataset_type = 'NUSWIDEMultiLabel'
data_root = 'data/nus_wide'
# the model reads the class names from the dataset's own name file
class_names = dict(type=dataset_type, data_root=data_root)

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train'))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='test'))
test_dataloader = val_dataloader
