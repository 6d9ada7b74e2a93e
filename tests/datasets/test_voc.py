"""Tests of VOCMultiLabel on a generated VOCdevkit."""
import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmpretrain_mlr  # noqa: F401  (registers the components)
from mmpretrain_mlr.datasets import VOC_CLASSES, VOC_RAW_CLASSES
from tests.datasets.fixtures_coco_voc import (VOC_RAW,
                                              observed_through_dataloader,
                                              write_voc)
from tests.datasets.reference_protocols import published_partial_labels

PIPELINE = [
    dict(type='LoadImageFromFile'),
    dict(type='PackInputs', algorithm_keys=('observed_label', ),
         meta_keys=('img_id', 'img_path'))
]


def row(positive=(), difficult_only=(), value=-1):
    """Expected labels: ``difficult_only`` classes get ``value``."""
    labels = [-1] * 20
    for name in difficult_only:
        labels[VOC_RAW.index(name)] = value
    for name in positive:
        labels[VOC_RAW.index(name)] = 1
    return labels


# VOC2007 trainval in list order: (id, positives, difficult-only classes).
TRAINVAL = [
    ('000012', ['car'], ['person']),
    ('000005', ['chair'], ['diningtable']),
    ('000009', ['horse', 'person'], []),  # person also difficult: positive
    ('000017', ['pottedplant', 'tvmonitor'], []),  # no <difficult> tag
]


def expected(entries, value=-1):
    return [row(pos, diff, value) for _, pos, diff in entries]


@pytest.fixture
def voc07(tmp_path):
    return write_voc(tmp_path, 'VOC2007')


@pytest.fixture
def voc12(tmp_path):
    return write_voc(tmp_path, 'VOC2012')


def build(root, **kwargs):
    return DATASETS.build(
        dict(type='VOCMultiLabel', data_root=str(root), **kwargs))


def ids_of(dataset):
    return [dataset.get_data_info(i)['img_id'] for i in range(len(dataset))]


def test_trainval_from_xml_drops_difficult(voc07):
    dataset = build(voc07, pipeline=PIPELINE)
    assert ids_of(dataset) == [image_id for image_id, _, _ in TRAINVAL]
    np.testing.assert_array_equal(dataset.full_labels, expected(TRAINVAL))
    info = dataset.get_data_info(1)
    assert info['img_path'] == str(voc07 / 'JPEGImages' / '000005.jpg')
    assert info['gt_label'] == [VOC_RAW.index('chair')]
    sample = dataset[1]
    assert tuple(sample['inputs'].shape) == (3, 10, 12)
    assert sample['data_samples'].img_id == '000005'


def test_difficult_ignore_gives_zero(voc07):
    dataset = build(voc07, difficult='ignore')
    np.testing.assert_array_equal(dataset.full_labels,
                                  expected(TRAINVAL, value=0))
    # Ignored entries stay unknown in the observed labels.
    np.testing.assert_array_equal(dataset.observed_labels,
                                  dataset.full_labels)


def test_test_split(voc07):
    dataset = build(voc07, split='test', test_mode=True)
    assert ids_of(dataset) == ['000001', '000002']
    np.testing.assert_array_equal(
        dataset.full_labels, [row(['dog', 'person']), row(['train'])])


def test_readable_names_and_raw_ids():
    assert VOC_RAW_CLASSES == VOC_RAW
    assert len(VOC_CLASSES) == 20
    readable = dict(zip(VOC_RAW_CLASSES, VOC_CLASSES))
    assert readable['diningtable'] == 'dining table'
    assert readable['pottedplant'] == 'potted plant'
    assert readable['tvmonitor'] == 'tv monitor'
    assert readable['motorbike'] == 'motorbike'
    assert readable['aeroplane'] == 'aeroplane'


def test_class_names_can_be_overridden(voc07):
    names = [f'a photo of {name}' for name in VOC_CLASSES]
    dataset = build(voc07, classes=names)
    assert dataset.CLASSES == tuple(names)
    np.testing.assert_array_equal(dataset.full_labels, expected(TRAINVAL))
    with pytest.raises(ValueError, match='19 class names configured for 20 '
                       'raw classes'):
        build(voc07, classes=names[:19])


def test_voc_format_with_own_classes(voc07):
    for path in (voc07 / 'Annotations').glob('*.xml'):
        path.write_text(path.read_text().replace('<name>car<', '<name>x<'))
    with pytest.raises(ValueError, match="000012.xml' object 0: <name> 'x' "
                       'is not one of the classes'):
        build(voc07)
    raw = [name.replace('car', 'x') for name in VOC_RAW]
    dataset = build(voc07, raw_classes=raw)
    assert dataset.CLASSES == tuple(raw)
    np.testing.assert_array_equal(dataset.full_labels, expected(TRAINVAL))


@pytest.mark.parametrize('difficult, value', [('drop', -1), ('ignore', 0)])
def test_class_lists_source_follows_cole(voc12, difficult, value):
    # Images with >= 1 positive, sorted; 2008_000002 (only a difficult
    # bottle) is dropped.
    train = build(voc12, split='train', label_source='class_lists',
                  difficult=difficult)
    assert ids_of(train) == ['2007_000027', '2007_000032', '2008_000008']
    np.testing.assert_array_equal(train.full_labels, [
        row(['person']),
        row(['aeroplane'], ['person'], value),
        row(['horse', 'person']),
    ])
    val = build(voc12, split='val', label_source='class_lists',
                difficult=difficult)
    assert ids_of(val) == ['2007_000033', '2007_000042']
    np.testing.assert_array_equal(val.full_labels,
                                  [row(['aeroplane']), row(['train'])])


def test_xml_source_keeps_list_order_and_images_without_positive(voc12):
    dataset = build(voc12, split='train')
    assert ids_of(dataset) == [
        '2008_000008', '2007_000032', '2008_000002', '2007_000027'
    ]
    np.testing.assert_array_equal(dataset.full_labels[2], row())


def test_partial_labels_match_independent_draw(voc07):
    p = 0.4
    dataset = build(voc07, label_protocol=dict(type='PartialLabels', p=p))
    full = np.array(expected(TRAINVAL), np.int8)
    np.testing.assert_array_equal(dataset.observed_labels,
                                  published_partial_labels(full, p))


def test_observed_labels_identical_across_loader_workers(voc12):
    dataset = build(voc12, split='train', label_source='class_lists',
                    pipeline=PIPELINE,
                    label_protocol=dict(type='SinglePositiveLabels'))
    single = observed_through_dataloader(dataset, num_workers=0)
    assert [obs for _, obs in single] == dataset.observed_labels.tolist()
    assert all(sum(obs) == 1 and min(obs) == 0 for _, obs in single)
    assert observed_through_dataloader(dataset, num_workers=2) == single


def test_missing_files_are_named(voc07, tmp_path):
    with pytest.raises(FileNotFoundError,
                       match=r"data_root '.*VOC2012' does not exist"):
        build(voc07.parent / 'VOC2012')
    with pytest.raises(FileNotFoundError,
                       match=r"list '.*Main/val.txt' does not exist"):
        build(voc07, split='val')
    (voc07 / 'ImageSets' / 'Main' / 'sofa_test.txt').unlink()
    with pytest.raises(FileNotFoundError, match=r"sofa_test.txt' does not"):
        build(voc07, split='test', label_source='class_lists')
    (voc07 / 'Annotations' / '000009.xml').unlink()
    with pytest.raises(FileNotFoundError,
                       match=r"annotation '.*000009.xml' of image '000009' "
                       r"\(listed in '.*trainval.txt'\) does not exist"):
        build(voc07)
    (voc07 / 'JPEGImages' / '000002.jpg').unlink()
    with pytest.raises(FileNotFoundError, match='000002.jpg'):
        build(voc07, split='test')


def replace_in(path, old, new):
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize('file, old, new, pattern', [
    ('Annotations/000005.xml', '<name>chair<', '<name>armchair<',
     r"000005.xml' object 0: <name> 'armchair' is not one of the classes "
     r"\['aeroplane'"),
    ('Annotations/000005.xml', '<difficult>1<', '<difficult>yes<',
     r"000005.xml' object 1: <difficult> must be 0 or 1, got 'yes'"),
    ('Annotations/000005.xml', '</annotation>', '',
     r"000005.xml' is not valid XML"),
    ('ImageSets/Main/trainval.txt', '000009\n', '000009 1\n',
     r"trainval.txt' line 3: expected an image id, got '000009 1'"),
    ('ImageSets/Main/trainval.txt', '000009\n', '000012\n',
     r"trainval.txt' line 3: image '000012' already listed at line 1"),
])
def test_bad_xml_or_list_content_is_named(voc07, file, old, new, pattern):
    replace_in(voc07 / file, old, new)
    with pytest.raises(ValueError, match=pattern):
        build(voc07)


@pytest.mark.parametrize('file, old, new, pattern', [
    ('horse_train.txt', '2008_000008  1', '2008_000008  2',
     r"horse_train.txt' line 1: label '2', expected 1 \(positive\), 0"),
    ('horse_train.txt', '2008_000008  1\n', '',
     r"horse_train.txt' lists 3 images, '.*aeroplane_train.txt' 4; every "
     'class list of a split must list the same images'),
    ('horse_train.txt', '2008_000008', '2008_000009',
     r"horse_train.txt' lists 4 images.*e.g. '2008_000009' is new"),
])
def test_bad_class_lists_are_named(voc12, file, old, new, pattern):
    replace_in(voc12 / 'ImageSets' / 'Main' / file, old, new)
    with pytest.raises(ValueError, match=pattern):
        build(voc12, split='train', label_source='class_lists')


@pytest.mark.parametrize('kwargs, pattern', [
    (dict(split='Main/trainval'), r'`split` must be the name of a list'),
    (dict(difficult='keep'), r"`difficult` must be one of \['drop', "
     r"'ignore'\], got 'keep'"),
    (dict(label_source='json'), r'`label_source` must be one of'),
])
def test_bad_arguments(voc07, kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        build(voc07, **kwargs)
