"""Tests of CUBAttributes on a tiny tree in the CUB_200_2011.tgz layout."""
import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmpretrain_mlr  # noqa: F401  (registers the components)
from mmpretrain_mlr.datasets import readable_attribute_name
from tests.datasets.fixtures_nus_vg_cub import write_cub
from tests.datasets.reference_protocols import published_partial_labels

READABLE = ['curved (up or down) bill shape', 'blue wing color',
            'large (16 - 32 in) size', 'perching-like shape']
RAW = ['has_bill_shape::curved_(up_or_down)', 'has_wing_color::blue',
       'has_size::large_(16_-_32_in)', 'has_shape::perching-like']
# Image ids 2, 3, 5 are training images; 1, 4 test images.
TRAIN_FULL = np.array([[-1, 1, -1, -1], [1, 1, 1, -1], [-1, -1, 1, 1]],
                      np.int8)
TEST_FULL = np.array([[1, -1, -1, 1], [-1, -1, -1, -1]], np.int8)
TRAIN_IDS = ['001.Black_footed_Albatross/Black_Footed_Albatross_0009_34.jpg',
             '002.Laysan_Albatross/Laysan_Albatross_0002_1027.jpg',
             '003.Sooty_Albatross/Sooty_Albatross_0001_1071.jpg']


@pytest.fixture
def root(tmp_path):
    return write_cub(tmp_path)


def build(root, **kwargs):
    return DATASETS.build(dict(type='CUBAttributes', data_root=str(root),
                               **kwargs))


def test_readable_names():
    assert [readable_attribute_name(raw) for raw in RAW] == READABLE
    assert readable_attribute_name('has_wing_shape::rounded-wings') == \
        'rounded-wings wing shape'
    assert readable_attribute_name('plain_name') == 'plain name'


def test_train_split_labels_order_and_names(root):
    ds = build(root)
    assert ds.CLASSES == tuple(READABLE)
    assert ds.attribute_ids == tuple(RAW)
    assert [ds.get_data_info(i)['img_id'] for i in range(3)] == TRAIN_IDS
    assert ds.get_data_info(0)['img_path'] == str(root / 'images' /
                                                  TRAIN_IDS[0])
    np.testing.assert_array_equal(ds.full_labels, TRAIN_FULL)


def test_test_split_subset_and_names_file(root):
    (root / 'attributes' / 'attributes.txt').write_text(
        (root.parent / 'attributes.txt').read_text())
    (root.parent / 'attributes.txt').unlink()
    ds = build(root, split='test',
               classes=['perching-like shape', 'curved (up or down) bill '
                        'shape'])
    assert ds.attribute_ids == (RAW[3], RAW[0])
    np.testing.assert_array_equal(ds.full_labels, TEST_FULL[:, [3, 0]])


def test_partial_labels_match_published_draw(root):
    ds = build(root, label_protocol=dict(type='PartialLabels', p=0.6))
    np.testing.assert_array_equal(ds.observed_labels,
                                  published_partial_labels(TRAIN_FULL, 0.6))


@pytest.mark.parametrize('part', ['train', 'val'])
def test_cole_holdout_of_the_training_list(root, part):
    ds = build(root, holdout=dict(part=part, fraction=0.4, seed=1200))
    # Cole et al. generate_split: n_val = round(0.4 * 3) = 1.
    perm = np.random.RandomState(1200).permutation(3)
    rows = np.sort(perm[-1:] if part == 'val' else perm[:2])
    assert [ds.get_data_info(i)['img_id'] for i in range(len(ds))] == \
        [TRAIN_IDS[row] for row in rows]
    np.testing.assert_array_equal(ds.full_labels, TRAIN_FULL[rows])


def test_errors(root, tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        build(tmp_path / 'absent')
    with pytest.raises(ValueError, match='`split` must be one of'):
        build(root, split='val')
    with pytest.raises(ValueError,
                       match=r"\['red wing color'\] \(1 in all\) are not in"):
        build(root, classes=['red wing color'])
    labels = root / 'attributes' / 'image_attribute_labels.txt'
    good = labels.read_text().splitlines()
    labels.write_text('\n'.join(good[:5] + ['2 2 yes 3 1.0'] + good[6:]))
    with pytest.raises(ValueError, match=r"line 6: expected .*'2 2 yes"):
        build(root)
    labels.write_text('\n'.join(good[:5] + ['2 9 1 3 1.0'] + good[6:]))
    with pytest.raises(ValueError, match=r'attribute id in \[1, 4\]'):
        build(root)
    labels.write_text('\n'.join(good[:5] + good[6:]))
    with pytest.raises(ValueError, match='no label of attribute 2 for image '
                       'id 2'):
        build(root)
    (root.parent / 'attributes.txt').unlink()
    with pytest.raises(FileNotFoundError, match='attributes.txt.*not found'):
        build(root)


def test_vocabulary_read_without_labels(root):
    """Models take the names from attributes.txt alone (no label file)."""
    from mmpretrain_mlr.datasets import resolve_class_names
    expected = list(build(root).CLASSES)
    (root / 'attributes' / 'image_attribute_labels.txt').unlink()
    spec = dict(type='CUBAttributes', data_root=str(root))
    assert resolve_class_names(spec) == expected
    subset = dict(spec, classes=expected[:2][::-1])
    assert resolve_class_names(subset) == expected[:2][::-1]
