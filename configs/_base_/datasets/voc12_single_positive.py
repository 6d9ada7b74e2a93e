# PASCAL VOC 2012 single-positive benchmark (Cole et al.): labels from
# ImageSets/Main/<class>_{train,val}.txt; the train list is split 80/20,
# the official val list tests.
_base_ = './single_positive_448.py'

dataset_type = 'VOCMultiLabel'
data_root = 'data/VOCdevkit/VOC2012'
class_names = dataset_type  # the model takes the dataset's readable names
_train_list = dict(type=dataset_type, data_root=data_root, split='train',
                   label_source='class_lists')

train_dataloader = dict(dataset=_train_list)
val_dataloader = dict(dataset=_train_list)
test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 label_source='class_lists'))
