# MS-COCO 2014 under partial labels: train2014 / val2014. The training list
# is the one the seed-0 partial-label code (SST / SARB, HCP-MLR-PL) masks:
# the JSON `images` order with images without objects kept, so p-masks are
# bit-identical to theirs. The library default (ascending id, images with
# >= 1 object) is image_order='id', keep_empty_images=False.
# Choose p with --cfg-options train_dataloader.dataset.label_protocol.p=0.1
_base_ = './partial_labels_448.py'

dataset_type = 'COCOMultiLabel'
data_root = 'data/coco'
class_names = dataset_type  # the model takes the dataset's readable names

train_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 image_order='file', keep_empty_images=True))
val_dataloader = dict(
    dataset=dict(type=dataset_type, data_root=data_root, split='val'))
test_dataloader = val_dataloader
