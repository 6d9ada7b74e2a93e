# NUS-WIDE zero-shot (the 925 / 81 split of LESA, BiAM, MKT, DualCoOp):
# train with full labels on the 925 seen Flickr tags; test once on all
# 1,006 classes (925 seen then 81 unseen concepts) and report ZSL (the 81
# unseen columns) and GZSL (all columns) from that one run, 224 px.
# The tag files are the user's (see NUSWIDEZeroShot): by default
# NUS_WID_Tags/TagList1k.txt and NUS_WID_Tags/{Train,Test}_Tags1k.dat.
dataset_type = 'NUSWIDEZeroShot'
data_root = 'data/nus_wide'
image_size = 224

# The model reads both vocabularies from the same files as the dataset.
class_names = dict(type=dataset_type, data_root=data_root, vocabulary='seen')
test_class_names = dict(type=dataset_type, data_root=data_root,
                        vocabulary='all')

train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size)),
    dict(type='Cutout', shape=image_size // 2, prob=1.0),
    dict(type='RandAugment', policies='timm_increasing', num_policies=2,
         magnitude_level=9, total_level=10),
    dict(type='PackInputs', algorithm_keys=('observed_label', )),
]
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='Resize', scale=(image_size, image_size)),
    dict(type='PackInputs', algorithm_keys=('full_label', )),
]

train_dataloader = dict(
    batch_size=32,
    num_workers=8,
    dataset=dict(type=dataset_type, data_root=data_root, split='train',
                 vocabulary='seen', missing_images='skip',
                 pipeline=train_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=True))
val_dataloader = dict(
    batch_size=64,
    num_workers=8,
    dataset=dict(type=dataset_type, data_root=data_root, split='test',
                 vocabulary='all', missing_images='skip',
                 pipeline=test_pipeline),
    sampler=dict(type='DefaultSampler', shuffle=False))
test_dataloader = val_dataloader

# BiAM / MKT conventions: per-class AP over |label| = 1, F1 at top 3 and 5.
val_evaluator = dict(type='ZeroShotMetric', num_unseen=81, ks=(3, 5),
                     map_convention='zsl')
test_evaluator = val_evaluator
