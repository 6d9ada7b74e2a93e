# CUB-200-2011 attributes (312) single-positive benchmark (Cole et al.):
# the official train split divided 80/20, the official test split tests.
_base_ = './single_positive_448.py'

dataset_type = 'CUBAttributes'
data_root = 'data/CUB_200_2011'
# the model reads the class names from the dataset's own name file
class_names = dict(type=dataset_type, data_root=data_root)
_train_list = dict(type=dataset_type, data_root=data_root, split='train')

train_dataloader = dict(dataset=_train_list)
val_dataloader = dict(dataset=_train_list)
test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='test'))
