# PASCAL VOC 2007 under partial labels: trainval (trainval.txt order) / test;
# difficult objects dropped, as in the partial-label line of work. To read
# DualCoOp's mask files instead: train_dataloader.dataset.label_protocol=
#   dict(type='ObservedLabelFile', path='train_proportion_0.1.txt')
# Choose p with --cfg-options train_dataloader.dataset.label_protocol.p=0.1
_base_ = './partial_labels_448.py'

dataset_type = 'VOCMultiLabel'
data_root = 'data/VOCdevkit/VOC2007'
class_names = dataset_type  # the model takes the dataset's readable names

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='trainval',
                 difficult='drop'))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 difficult='drop'))
test_dataloader = val_dataloader
