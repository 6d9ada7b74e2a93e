"""Tests of MultiLabelAnnotationDataset (JSON and text annotation files)."""
import json

import cv2
import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmpretrain_mlr  # noqa: F401  (registers the components)

CLASSES = ['person', 'dog', 'dining table']
IMAGES = ['a/1.jpg', 'a/2.jpg', 'b/3.jpg']
PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs', algorithm_keys=('observed_label', ))
]


@pytest.fixture
def root(tmp_path):
    """A data root with three 10x12 images under images/."""
    for i, rel in enumerate(IMAGES):
        path = tmp_path / 'images' / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        cv2.imwrite(str(path), np.full((10, 12, 3), 40 * i, np.uint8))
    return tmp_path


def build(root, ann_file, **kwargs):
    cfg = dict(
        type='MultiLabelAnnotationDataset',
        ann_file=ann_file,
        data_root=str(root),
        data_prefix='images')
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def write_json(root, content, name='ann.json'):
    (root / name).write_text(json.dumps(content))
    return name


def write_text(root, lines, name='ann.txt'):
    (root / name).write_text('\n'.join(lines) + '\n')
    return name


EXPECTED = np.array([[1, 1, -1], [-1, -1, -1], [-1, -1, 1]], np.int8)


def test_json_with_names_and_indices(root):
    ann = write_json(
        root, {
            'classes': CLASSES,
            'images': [
                {'img_path': 'a/1.jpg', 'labels': ['dog', 'person']},
                {'img_path': 'a/2.jpg', 'labels': []},
                {'img_path': 'b/3.jpg', 'labels': [2]},
            ]
        })
    ds = build(root, ann, pipeline=PIPELINE)
    assert ds.CLASSES == tuple(CLASSES)
    np.testing.assert_array_equal(ds.full_labels, EXPECTED)
    info = ds.get_data_info(0)
    assert info['img_id'] == 'a/1.jpg'
    assert info['img_path'] == str(root / 'images' / 'a' / '1.jpg')
    sample = ds[2]
    assert tuple(sample['inputs'].shape) == (3, 10, 12)
    assert sample['data_samples'].gt_label.tolist() == [2]
    np.testing.assert_array_equal(sample['data_samples'].observed_label,
                                  [-1, -1, 1])


@pytest.mark.parametrize('classes_from_file', [False, True])
def test_text_format_with_classes_list_or_file(root, classes_from_file):
    ann = write_text(root,
                     ['a/1.jpg\tperson,1', '', 'a/2.jpg\t', 'b/3.jpg\t2'])
    classes = CLASSES
    if classes_from_file:
        (root / 'classes.txt').write_text('\n'.join(CLASSES) + '\n')
        classes = str(root / 'classes.txt')
    ds = build(
        root,
        ann,
        classes=classes,
        label_protocol=dict(type='PartialLabels', p=0.5),
        pipeline=PIPELINE)
    assert ds.CLASSES == tuple(CLASSES)
    np.testing.assert_array_equal(ds.full_labels, EXPECTED)
    known = ds.observed_labels != 0
    np.testing.assert_array_equal(ds.observed_labels[known], EXPECTED[known])
    assert ds[0]['data_samples'].gt_label.tolist() == [0, 1]


def test_line_without_tab_means_no_positive(root):
    ann = write_text(root, ['a/1.jpg\tdog', 'a/2.jpg'])
    ds = build(root, ann, classes=CLASSES)
    np.testing.assert_array_equal(ds.full_labels, [[-1, 1, -1], [-1, -1, -1]])


@pytest.mark.parametrize('lines, pattern', [
    (['a/1.jpg\tdog', 'a/2.jpg\tcat'],
     r"ann.txt' line 2: unknown class 'cat'"),
    (['a/1.jpg\t3'], r"ann.txt' line 1: class index 3 out of range"),
    (['a/1.jpg\t-1'], r'line 1: class index -1 out of range'),
    (['a/1.jpg\tdog', 'a/2.jpg\t', 'a/1.jpg\tperson'],
     r"line 3: image 'a/1.jpg' already listed at line 1"),
    (['a/1.jpg\tdog\tperson'], r'line 1: expected .*found 2 TABs'),
    (['a/1.jpg\tdog,,person'], r'line 1: empty label'),
])
def test_text_errors_name_file_line_and_field(root, lines, pattern):
    ann = write_text(root, lines)
    with pytest.raises((ValueError, FileNotFoundError), match=pattern):
        build(root, ann, classes=CLASSES)


@pytest.mark.parametrize('content, pattern', [
    ({'classes': CLASSES, 'images': [{'img_path': 'a/1.jpg',
                                      'labels': ['cat']}]},
     r"ann.json' images\[0\]: unknown class 'cat'"),
    ({'classes': CLASSES, 'images': [{'img_path': 'a/1.jpg',
                                      'labels': [5]}]},
     r'images\[0\]: class index 5 out of range \[0, 3\)'),
    ({'classes': CLASSES, 'images': [{'img_path': 'a/1.jpg'},
                                     {'img_path': 'a/1.jpg'}]},
     r"images\[1\]: image 'a/1.jpg' already listed at images\[0\]"),
    ({'classes': CLASSES, 'images': [{'labels': []}]},
     r'images\[0\]: expected an object with a non-empty "img_path"'),
    ({'classes': CLASSES, 'images': [{'img_path': 'a/1.jpg',
                                      'labels': 'dog'}]},
     r'images\[0\].labels: expected a list'),
    ({'classes': CLASSES}, r'"images" list'),
    ({'images': [{'img_path': 'a/1.jpg', 'labels': [0]}]},
     r'no class list'),
])
def test_json_errors_name_file_entry_and_field(root, content, pattern):
    ann = write_json(root, content)
    with pytest.raises(ValueError, match=pattern):
        build(root, ann)


def test_json_classes_must_agree_with_config(root):
    ann = write_json(root, {
        'classes': CLASSES,
        'images': [{'img_path': 'a/1.jpg', 'labels': ['dog']}]
    })
    with pytest.raises(ValueError, match='differ from the configured'):
        build(root, ann, classes=['person', 'cat', 'dining table'])
    assert len(build(root, ann, classes=CLASSES)) == 1


def test_empty_annotation_file_raises(root):
    ann = write_json(root, {'classes': CLASSES, 'images': []})
    with pytest.raises(ValueError, match="no images in '.*ann.json'"):
        build(root, ann)


def test_missing_annotation_file_and_invalid_json(root):
    with pytest.raises(FileNotFoundError, match="nothing.txt' does not"):
        build(root, 'nothing.txt', classes=CLASSES)
    (root / 'bad.json').write_text('{"images": [')
    with pytest.raises(ValueError, match='bad.json.*not valid JSON'):
        build(root, 'bad.json')


def test_missing_images_unchecked_or_skipped(root):
    ann = write_text(root, ['missing.jpg\tdog', 'a/1.jpg\tperson'])
    with pytest.raises(FileNotFoundError, match="1 of 2 images listed in "
                       "'.*ann.txt' do not exist, e.g. '.*missing.jpg'"):
        build(root, ann, classes=CLASSES)
    ds = build(root, ann, classes=CLASSES, missing_images='unchecked')
    assert ds.get_data_info(0)['img_path'].endswith('missing.jpg')
    ds = build(root, ann, classes=CLASSES, missing_images='skip')
    assert len(ds) == 1
    assert ds.get_data_info(0)['img_id'] == 'a/1.jpg'
