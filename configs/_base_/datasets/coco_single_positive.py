# MS-COCO 2014 single-positive benchmark (Cole et al.): train2014 split
# 80/20, val2014 tests. Cole's lists hold images with >= 1 object, ids
# sorted as text (image_order='id_text'); the draws depend on that order.
_base_ = './single_positive_448.py'

dataset_type = 'COCOMultiLabel'
data_root = 'data/coco'
class_names = dataset_type  # the model takes the dataset's readable names
_train_list = dict(type=dataset_type, data_root=data_root, split='train',
                   image_order='id_text')

train_dataloader = dict(dataset=_train_list)
val_dataloader = dict(dataset=_train_list)
test_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='val',
                 image_order='id_text'))
