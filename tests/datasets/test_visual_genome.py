"""Tests of VisualGenome200 on a tiny tree in the HCP-MLR-PL format."""
import json

import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmpretrain_mlr  # noqa: F401  (registers the components)
from tests.datasets.fixtures_nus_vg_cub import write_visual_genome
from tests.datasets.reference_protocols import published_partial_labels

CLASSES = ['man', 'window', 'tree']
TRAIN_IDS = ['2328403.jpg', '1592810.jpg', '61605.jpg', '2336863.jpg']
TRAIN_FULL = np.array([[1, -1, 1], [-1, -1, -1], [-1, 1, -1], [1, 1, 1]],
                      np.int8)
TEST_FULL = np.array([[-1, 1, -1], [1, -1, -1]], np.int8)
PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs', algorithm_keys=('observed_label', ))
]


@pytest.fixture
def root(tmp_path):
    return write_visual_genome(tmp_path / 'vg')


def build(root, **kwargs):
    cfg = dict(type='VisualGenome200', data_root=str(root), classes=CLASSES)
    cfg.update(kwargs)
    return DATASETS.build(cfg)


def test_train_split_order_labels_and_folders(root):
    ds = build(root, pipeline=PIPELINE)
    assert ds.CLASSES == tuple(CLASSES)
    assert [ds.get_data_info(i)['img_id'] for i in range(4)] == TRAIN_IDS
    np.testing.assert_array_equal(ds.full_labels, TRAIN_FULL)
    assert ds.get_data_info(2)['img_path'] == str(root / 'VG_100K_2' /
                                                  '61605.jpg')
    assert ds.get_data_info(0)['img_path'] == str(root / 'VG_100K' /
                                                  '2328403.jpg')
    assert tuple(ds[3]['inputs'].shape) == (3, 8, 10)


def test_test_split_classes_file_and_truncated_500_file(root):
    ds = build(root, split='test', classes=str(root / 'vg_classes.txt'))
    np.testing.assert_array_equal(ds.full_labels, TEST_FULL)
    with pytest.raises(ValueError, match=r'2389780.jpg.*index 7 is out of '
                       'range for 3 classes'):
        build(root, split='test',
              label_file='vg_category_500_labels_index.json')
    ds = build(root, split='test', truncate_indices=True,
               label_file='vg_category_500_labels_index.json')
    np.testing.assert_array_equal(ds.full_labels, TEST_FULL)


def test_partial_labels_match_published_draw(root):
    ds = build(root, label_protocol=dict(type='PartialLabels', p=0.5))
    np.testing.assert_array_equal(ds.observed_labels,
                                  published_partial_labels(TRAIN_FULL, 0.5))


def test_errors(root, tmp_path):
    with pytest.raises(ValueError, match='needs `classes`'):
        build(root, classes=None)
    with pytest.raises(FileNotFoundError, match='does not exist'):
        build(tmp_path / 'absent')
    with pytest.raises(ValueError, match='`split` must be one of'):
        build(root, split='val')
    with pytest.raises(FileNotFoundError, match='absent.json'):
        build(root, label_file='absent.json')
    labels = json.loads((root / 'vg_category_200_labels_index.json')
                        .read_text())
    del labels['61605.jpg']
    (root / 'bad.json').write_text(json.dumps(labels))
    with pytest.raises(KeyError, match="no entry for image '61605.jpg'"):
        build(root, label_file='bad.json')
    labels['61605.jpg'] = ['window']
    (root / 'bad.json').write_text(json.dumps(labels))
    with pytest.raises(ValueError, match=r"'61605.jpg'.*got \['window'\]"):
        build(root, label_file='bad.json')
    (root / 'bad.json').write_text('{"a": [1]')
    with pytest.raises(ValueError, match='not valid JSON'):
        build(root, label_file='bad.json')
    (root / 'VG_100K' / '2336863.jpg').unlink()
    with pytest.raises(FileNotFoundError, match='2336863.jpg'):
        build(root)
    ds = build(root, missing_images='skip')
    assert len(ds) == 3
