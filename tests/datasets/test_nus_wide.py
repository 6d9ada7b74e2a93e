"""Tests of NUSWIDEMultiLabel and NUSWIDEZeroShot on a tiny official tree."""
import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmpretrain_mlr  # noqa: F401  (registers the components)
from tests.datasets.fixtures_nus_vg_cub import write_nus_wide
from tests.datasets.reference_protocols import published_partial_labels

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs', algorithm_keys=('observed_label', ))
]
TRAIN_IDS = ['actor/0001_11.jpg', 'beach/0002_12.jpg', 'sky/0003_13.jpg',
             'beach/0004_14.jpg', 'zebra/0005_15.jpg']
TEST_IDS = ['sky/0006_16.jpg', 'actor/0007_17.jpg', 'ocean/0008_18.jpg']
# Concepts: ocean, military, nighttime, sky.
TRAIN_CONCEPTS = np.array([[1, -1, -1, 1], [-1, -1, -1, -1], [-1, 1, 1, -1],
                           [1, -1, -1, -1], [-1, -1, -1, -1]], np.int8)
TEST_CONCEPTS = np.array([[-1, -1, -1, 1], [-1, -1, -1, -1],
                          [1, -1, 1, -1]], np.int8)
# Seen tags: beach, nikon, sunset, water.
SEEN = ['beach', 'nikon', 'sunset', 'water']
TRAIN_SEEN = np.array([[1, -1, -1, 1], [-1, 1, -1, -1], [-1, -1, 1, -1],
                       [-1, -1, -1, -1], [1, -1, -1, -1]], np.int8)
TEST_SEEN = np.array([[-1, -1, -1, -1], [-1, 1, -1, -1], [1, -1, -1, 1]],
                     np.int8)
CONCEPTS = ['ocean', 'military', 'nighttime', 'sky']


@pytest.fixture
def root(tmp_path):
    return write_nus_wide(tmp_path / 'nus')


def build(root, type='NUSWIDEMultiLabel', **kwargs):
    return DATASETS.build(dict(type=type, data_root=str(root), **kwargs))


def ids(dataset):
    return [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))]


def test_train_drops_unlabeled_and_reads_images(root):
    ds = build(root, pipeline=PIPELINE)
    assert ds.CLASSES == tuple(CONCEPTS)
    assert ids(ds) == [TRAIN_IDS[i] for i in (0, 2, 3)]
    np.testing.assert_array_equal(ds.full_labels, TRAIN_CONCEPTS[[0, 2, 3]])
    info = ds.get_data_info(1)
    assert info['img_path'] == str(root / 'Flickr' / 'sky' / '0003_13.jpg')
    assert info['gt_label'] == [1, 2]
    sample = ds[0]
    assert tuple(sample['inputs'].shape) == (3, 8, 10)
    np.testing.assert_array_equal(sample['data_samples'].observed_label,
                                  [1, -1, -1, 1])


def test_keep_unlabeled_test_split_and_class_subset(root):
    ds = build(root, split='test', drop_unlabeled=False)
    assert ids(ds) == TEST_IDS
    np.testing.assert_array_equal(ds.full_labels, TEST_CONCEPTS)
    sub = build(root, split='test', drop_unlabeled=False,
                classes=['sky', 'ocean'])
    assert sub.CLASSES == ('sky', 'ocean')
    np.testing.assert_array_equal(sub.full_labels, TEST_CONCEPTS[:, [3, 0]])


def test_partial_labels_match_published_draw(root):
    ds = build(root, drop_unlabeled=False,
               label_protocol=dict(type='PartialLabels', p=0.5))
    np.testing.assert_array_equal(
        ds.observed_labels, published_partial_labels(TRAIN_CONCEPTS, 0.5))


def test_odd_label_value_is_not_positive(root):
    path = root / 'Groundtruth/TrainTestLabels/Labels_military_Train.txt'
    path.write_text('-1130179\n0\n1\n0\n0\n')
    ds = build(root, drop_unlabeled=False)
    np.testing.assert_array_equal(ds.full_labels[:, 1], [-1, -1, 1, -1, -1])


@pytest.mark.parametrize('vocabulary, expected, classes', [
    ('seen', TRAIN_SEEN, SEEN),
    ('unseen', TRAIN_CONCEPTS, CONCEPTS),
    ('all', np.concatenate([TRAIN_SEEN, TRAIN_CONCEPTS], 1),
     SEEN + CONCEPTS),
])
def test_zero_shot_vocabularies(root, vocabulary, expected, classes):
    ds = build(root, 'NUSWIDEZeroShot', vocabulary=vocabulary)
    assert ds.CLASSES == tuple(classes)
    assert ds.seen_classes == tuple(SEEN)
    assert ds.unseen_classes == tuple(CONCEPTS)
    assert ids(ds) == TRAIN_IDS
    np.testing.assert_array_equal(ds.full_labels, expected)


def test_zero_shot_all_tags_file_matched_through_image_list(root):
    ds = build(root, 'NUSWIDEZeroShot', split='test', vocabulary='all',
               tag_labels_file='NUS_WID_Tags/AllTags1k.txt',
               tag_image_list_file='ImageList/Imagelist.txt')
    np.testing.assert_array_equal(
        ds.full_labels, np.concatenate([TEST_SEEN, TEST_CONCEPTS], 1))


def test_zero_shot_unseen_needs_no_tag_files_and_drop(root):
    (root / 'NUS_WID_Tags' / 'Test_Tags1k.dat').unlink()
    ds = build(root, 'NUSWIDEZeroShot', split='test', vocabulary='unseen',
               drop_unlabeled=True)
    assert ids(ds) == [TEST_IDS[0], TEST_IDS[2]]
    with pytest.raises(FileNotFoundError, match='Test_Tags1k.dat'):
        build(root, 'NUSWIDEZeroShot', split='test', vocabulary='seen')


def test_zero_shot_seen_tags_file(root):
    (root / 'Concepts925.txt').write_text('water\nbeach\n')
    ds = build(root, 'NUSWIDEZeroShot', seen_tags_file='Concepts925.txt')
    assert ds.CLASSES == ('water', 'beach')
    np.testing.assert_array_equal(ds.full_labels, TRAIN_SEEN[:, [3, 0]])
    (root / 'Concepts925.txt').write_text('water\nboat\n')
    with pytest.raises(ValueError,
                       match=r"\['boat'\] \(1 in all\) are not in"):
        build(root, 'NUSWIDEZeroShot', seen_tags_file='Concepts925.txt')
    (root / 'Concepts925.txt').write_text('water\nsky\n')
    with pytest.raises(ValueError, match=r"holds concepts \['sky'\]"):
        build(root, 'NUSWIDEZeroShot', seen_tags_file='Concepts925.txt')


def test_errors(root, tmp_path):
    with pytest.raises(FileNotFoundError, match='does not exist'):
        build(tmp_path / 'absent')
    with pytest.raises(ValueError, match="`split` must be one of"):
        build(root, split='val')
    with pytest.raises(ValueError, match="`vocabulary` must be one of"):
        build(root, 'NUSWIDEZeroShot', vocabulary='both')
    with pytest.raises(ValueError,
                       match=r"\['boat'\] \(1 in all\) are not in the "
                       'vocabulary'):
        build(root, classes=['ocean', 'boat'])
    labels = root / 'Groundtruth/TrainTestLabels/Labels_sky_Train.txt'
    labels.write_text('1\n0\n0\n0\n')
    with pytest.raises(ValueError, match=r'Labels_sky_Train.txt.* holds 4 '
                       r'labels, .*TrainImagelist.txt.* has 5 images'):
        build(root)
    labels.write_text('1\n0\nyes\n0\n0\n')
    with pytest.raises(ValueError, match="found 'yes'"):
        build(root)
    labels.unlink()
    with pytest.raises(FileNotFoundError, match="concept 'sky'"):
        build(root)


def test_tag_file_errors(root):
    tags = root / 'NUS_WID_Tags' / 'Train_Tags1k.dat'
    rows = tags.read_text().splitlines()
    tags.write_text('\n'.join(rows[:4]) + '\n')
    with pytest.raises(ValueError, match=r'holds 4 rows, .* has 5 images'):
        build(root, 'NUSWIDEZeroShot')
    tags.write_text('\n'.join(rows[:2] + ['1 0 1'] + rows[3:]) + '\n')
    with pytest.raises(ValueError, match=r'line 3: expected 6 .* found 3 '
                       'values'):
        build(root, 'NUSWIDEZeroShot')
    all_list = root / 'ImageList' / 'Imagelist.txt'
    all_list.write_text('actor\\0001_11.jpg\n')
    with pytest.raises(ValueError, match='are not in'):
        build(root, 'NUSWIDEZeroShot',
              tag_labels_file='NUS_WID_Tags/AllTags1k.txt',
              tag_image_list_file='ImageList/Imagelist.txt')


def test_missing_images_skip(root):
    (root / 'Flickr' / 'sky' / '0003_13.jpg').unlink()
    with pytest.raises(FileNotFoundError, match='0003_13.jpg'):
        build(root)
    ds = build(root, missing_images='skip')
    assert ids(ds) == [TRAIN_IDS[0], TRAIN_IDS[3]]
