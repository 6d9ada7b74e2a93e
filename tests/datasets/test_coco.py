"""Tests of COCOMultiLabel on a generated instances JSON and images."""
import json
import shutil

import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmpretrain_mlr  # noqa: F401  (registers the components)
from mmpretrain_mlr.datasets import COCO_CLASSES
from tests.datasets.fixtures_coco_voc import (coco_file_name,
                                              observed_through_dataloader,
                                              write_coco)
from tests.datasets.reference_protocols import published_partial_labels

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs', algorithm_keys=('observed_label', ),
         meta_keys=('img_id', 'img_path'))
]
# Columns: category ids 1, 3, 18 in ascending order.
CLASSES = ('person', 'car', 'dog')
# Full labels of the train images by id (7's car is a crowd annotation).
LABELS = {
    7: [1, 1, -1],
    9: [1, 1, -1],
    25: [-1, -1, -1],
    42: [-1, -1, 1],
    100: [1, -1, 1],
}


@pytest.fixture
def root(tmp_path):
    return write_coco(tmp_path / 'coco')


def build(root, **kwargs):
    return DATASETS.build(
        dict(type='COCOMultiLabel', data_root=str(root), **kwargs))


def ids_of(dataset):
    return [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))]


def names(split, image_ids):
    return [coco_file_name(split, i) for i in image_ids]


def test_train_split_defaults(root):
    dataset = build(root, pipeline=PIPELINE)
    assert dataset.CLASSES == CLASSES
    # Ascending image id; image 25 (no annotation) dropped.
    assert ids_of(dataset) == names('train', [7, 9, 42, 100])
    np.testing.assert_array_equal(dataset.full_labels,
                                  [LABELS[i] for i in (7, 9, 42, 100)])
    np.testing.assert_array_equal(dataset.observed_labels,
                                  dataset.full_labels)
    info = dataset.get_data_info(3)
    assert info['img_path'] == str(root / 'train2014' /
                                   coco_file_name('train', 100))
    assert info['gt_label'] == [0, 2]
    sample = dataset[3]
    assert tuple(sample['inputs'].shape) == (3, 10, 12)
    assert sample['data_samples'].gt_label.tolist() == [0, 2]


@pytest.mark.parametrize('image_order, keep_empty, expected', [
    ('id', False, [7, 9, 42, 100]),
    ('id', True, [7, 9, 25, 42, 100]),
    ('id_text', False, [100, 42, 7, 9]),
    ('id_text', True, [100, 25, 42, 7, 9]),
    ('file', False, [42, 9, 100, 7]),
    ('file', True, [42, 9, 100, 25, 7]),
    ('first_annotation', False, [100, 9, 42, 7]),
    ('first_annotation', True, [100, 9, 42, 7, 25]),
])
def test_image_order_and_empty_images(root, image_order, keep_empty,
                                      expected):
    dataset = build(
        root, image_order=image_order, keep_empty_images=keep_empty)
    assert ids_of(dataset) == names('train', expected)
    np.testing.assert_array_equal(dataset.full_labels,
                                  [LABELS[i] for i in expected])


def test_val_split_and_overrides(root):
    val = build(root, split='val')
    assert ids_of(val) == names('val', [1, 3])
    np.testing.assert_array_equal(val.full_labels,
                                  [[-1, -1, 1], [1, -1, 1]])
    assert val.get_data_info(0)['img_path'].startswith(
        str(root / 'val2014'))

    # Another JSON and image folder, e.g. a copy of the val split.
    shutil.copytree(root / 'val2014', root / 'images')
    shutil.copy(root / 'annotations' / 'instances_val2014.json',
                root / 'mine.json')
    custom = build(root, ann_file='mine.json', data_prefix='images')
    assert ids_of(custom) == ids_of(val)
    assert custom.get_data_info(0)['img_path'] == str(
        root / 'images' / coco_file_name('val', 1))


def test_class_names_can_be_overridden(root):
    dataset = build(root, classes=['a person', 'a car', 'a dog'])
    assert dataset.CLASSES == ('a person', 'a car', 'a dog')
    np.testing.assert_array_equal(dataset.full_labels[0], LABELS[7])
    with pytest.raises(ValueError, match=r"2 class names configured, but "
                       r"'.*instances_train2014.json' has 3 categories"):
        build(root, classes=['person', 'car'])


def test_default_vocabulary_is_the_80_readable_coco_names():
    assert len(COCO_CLASSES) == 80 == len(set(COCO_CLASSES))
    assert COCO_CLASSES[:3] == ('person', 'bicycle', 'car')
    assert 'dining table' in COCO_CLASSES and 'tv' in COCO_CLASSES


def test_partial_labels_match_independent_draw(root):
    p = 0.5
    dataset = build(root, keep_empty_images=True,
                    label_protocol=dict(type='PartialLabels', p=p))
    full = np.array([LABELS[i] for i in (7, 9, 25, 42, 100)], np.int8)
    np.testing.assert_array_equal(dataset.observed_labels,
                                  published_partial_labels(full, p))


def test_observed_labels_identical_across_loader_workers(root):
    dataset = build(root, keep_empty_images=True, pipeline=PIPELINE,
                    label_protocol=dict(type='PartialLabels', p=0.3))
    single = observed_through_dataloader(dataset, num_workers=0)
    assert [img_id for img_id, _ in single] == names('train',
                                                      [7, 9, 25, 42, 100])
    assert [obs for _, obs in single] == dataset.observed_labels.tolist()
    assert observed_through_dataloader(dataset, num_workers=2) == single


def test_missing_image_is_reported_or_skipped(root):
    (root / 'train2014' / coco_file_name('train', 42)).unlink()
    with pytest.raises(FileNotFoundError, match='000000000042.jpg'):
        build(root)
    assert ids_of(build(root, missing_images='skip')) == names(
        'train', [7, 9, 100])


def edit_json(root, edit):
    path = root / 'annotations' / 'instances_train2014.json'
    content = json.loads(path.read_text())
    edit(content)
    path.write_text(json.dumps(content))


@pytest.mark.parametrize('edit, pattern', [
    (lambda c: c['annotations'].append(
        dict(id=9, image_id=77, category_id=1)),
     r"instances_train2014.json' annotations\[8\]: image_id 77 is not an "
     'id of the "images" list'),
    (lambda c: c['annotations'].append(
        dict(id=9, image_id=7, category_id=2)),
     r"annotations\[8\]: category_id 2 is not an id of the \"categories\" "
     r'list \[1, 3, 18\]'),
    (lambda c: c['annotations'].append(dict(id=9, image_id=7)),
     r'annotations\[8\]: category_id None'),
    (lambda c: c['images'].append(dict(id=9, file_name='x.jpg')),
     r'images\[5\]: image id 9 appears twice'),
    (lambda c: c['images'].append(dict(id='9', file_name='x.jpg')),
     r'images\[5\]: expected an object with an integer "id"'),
    (lambda c: c['categories'].append(dict(id=1, name='cat')),
     r'categories\[3\]: category id 1 appears twice'),
    (lambda c: c.pop('categories'),
     r'expected a COCO instances file'),
])
def test_bad_json_content_is_named(root, edit, pattern):
    edit_json(root, edit)
    with pytest.raises(ValueError, match=pattern):
        build(root)


def test_missing_or_invalid_files_are_named(root, tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r"data_root '.*nowhere' does not exist"):
        build(tmp_path / 'nowhere')
    with pytest.raises(FileNotFoundError,
                       match=r"annotation file '.*instances_val2014.json' "
                       'does not exist'):
        (root / 'annotations' / 'instances_val2014.json').unlink()
        build(root, split='val')
    (root / 'annotations' / 'instances_train2014.json').write_text('{"im')
    with pytest.raises(ValueError,
                       match=r"instances_train2014.json' is not valid JSON"):
        build(root)


@pytest.mark.parametrize('kwargs, pattern', [
    (dict(split='test'), r"`split` must be one of \['train', 'val'\]"),
    (dict(image_order='random'), r'`image_order` must be one of'),
])
def test_bad_arguments(root, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        build(root, **kwargs)
