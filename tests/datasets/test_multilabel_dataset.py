"""Tests of BaseMultiLabelDataset: protocol application and data infos."""
import numpy as np
import pytest
import torch

import mmpretrain_mlr  # noqa: F401  (registers the components)
from mmpretrain_mlr.datasets import BaseMultiLabelDataset, PartialLabels
from tests.datasets.reference_protocols import published_partial_labels


class ToyDataset(BaseMultiLabelDataset):
    """N images, 4 classes, labels from a fixed random matrix."""

    METAINFO = dict(classes=('cat', 'dog', 'dining table', 'potted plant'))

    def __init__(self, num_images=50, full=None, ids=None, **kwargs):
        rng = np.random.RandomState(7)
        self._full = (full if full is not None else np.where(
            rng.rand(num_images, 4) < 0.4, 1, -1).astype(np.int8))
        self._ids = ids or [f'img_{i}.jpg' for i in range(len(self._full))]
        super().__init__(**kwargs)

    def load_full_labels(self):
        data_list = [
            dict(img_id=key, img=np.full((8, 8, 3), i, np.uint8))
            for i, key in enumerate(self._ids)
        ]
        return data_list, self._full


def test_default_is_full_labels():
    ds = ToyDataset()
    assert ds.CLASSES == ('cat', 'dog', 'dining table', 'potted plant')
    assert ds.metainfo['classes'] == ds.CLASSES
    np.testing.assert_array_equal(ds.observed_labels, ds._full)
    np.testing.assert_array_equal(ds.full_labels, ds._full)
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        assert info['gt_label'] == np.flatnonzero(ds._full[i] == 1).tolist()
        assert ds.get_cat_ids(i) == info['gt_label']
        assert info['observed_label'].dtype == np.int8
        assert info['observed_label'].shape == (4, )


@pytest.mark.parametrize('protocol', [
    dict(type='PartialLabels', p=0.5), PartialLabels(p=0.5)])
def test_partial_protocol_from_config_or_instance(protocol):
    ds = ToyDataset(label_protocol=protocol)
    expected = published_partial_labels(ds._full, 0.5)
    np.testing.assert_array_equal(ds.observed_labels, expected)
    # gt_label stays the full ground truth.
    np.testing.assert_array_equal(ds.full_labels, ds._full)
    assert 'PartialLabels(p=0.5, seed=0)' in repr(ds)


def test_protocol_applies_before_indices():
    whole = ToyDataset(label_protocol=dict(type='PartialLabels', p=0.3))
    subset = ToyDataset(
        label_protocol=dict(type='PartialLabels', p=0.3), indices=[5, 2, 9])
    np.testing.assert_array_equal(subset.observed_labels,
                                  whole.observed_labels[[5, 2, 9]])
    sub = whole.get_subset([1, 3])
    np.testing.assert_array_equal(sub.observed_labels,
                                  whole.observed_labels[[1, 3]])


def test_classes_argument_overrides_default():
    ds = ToyDataset(classes=['a cat', 'a dog', 'a table', 'a plant'])
    assert ds.CLASSES == ('a cat', 'a dog', 'a table', 'a plant')


def test_bad_inputs_raise():
    with pytest.raises(ValueError, match=r'shape \[50, 3\].*4 classes'):
        ToyDataset(full=np.ones((50, 3), np.int8))
    with pytest.raises(ValueError, match=r"'x.jpg' appears twice"):
        ToyDataset(full=np.ones((2, 4), np.int8), ids=['x.jpg', 'x.jpg'])
    with pytest.raises(ValueError, match="'cat' appears twice"):
        ToyDataset(classes=['cat', 'cat', 'dog', 'plant'])
    with pytest.raises(TypeError, match='label_protocol'):
        ToyDataset(label_protocol=0.5)
    with pytest.raises(ValueError, match='found'):
        ToyDataset(full=np.full((2, 4), 3, np.int8))


def test_pack_inputs_carries_observed_and_full_labels():
    ds = ToyDataset(
        label_protocol=dict(type='PartialLabels', p=0.5),
        pipeline=[
            dict(type='PackInputs', algorithm_keys=('observed_label', ))
        ])
    for i in range(5):
        sample = ds[i]['data_samples']
        np.testing.assert_array_equal(sample.observed_label,
                                      ds.observed_labels[i])
        assert sample.observed_label.dtype == np.int8
        assert torch.equal(sample.gt_label,
                           torch.from_numpy(np.flatnonzero(ds._full[i] == 1)))
        assert sample.sample_idx == i


def test_holdout_split_keeps_whole_list_labels():
    """Cole et al.: observe over the whole list, then split 80/20."""
    protocol = dict(type='SinglePositiveLabels')
    whole = ToyDataset(num_images=23, label_protocol=protocol)
    train = ToyDataset(num_images=23, label_protocol=protocol,
                       holdout=dict(part='train'))
    val = ToyDataset(num_images=23, holdout=dict(part='val'))
    # Written out: n_val = round(0.2 * 23) = 5, the last 5 of the perm.
    perm = np.random.RandomState(1200).permutation(23)
    assert len(val) == 5 and len(train) == 18
    val_ids = [val.get_data_info(i)['img_id'] for i in range(len(val))]
    assert val_ids == [f'img_{i}.jpg' for i in sorted(perm[18:])]
    train_rows = sorted(perm[:18])
    np.testing.assert_array_equal(train.observed_labels,
                                  whole.observed_labels[train_rows])
    # The val part keeps clean labels.
    np.testing.assert_array_equal(val.observed_labels,
                                  whole._full[sorted(perm[18:])])


@pytest.mark.parametrize('holdout, pattern', [
    (dict(part='test'), 'part'), (dict(part='val', fraction=1.0), 'fraction'),
    (dict(part='val', seed=-1), 'seed')])
def test_holdout_bad_fields(holdout, pattern):
    with pytest.raises(ValueError, match=f'holdout: `{pattern}`'):
        ToyDataset(holdout=holdout)


def test_missing_images_rule_checked():
    with pytest.raises(ValueError, match='missing_images'):
        ToyDataset(missing_images='ignore')


def test_class_subset_selects_columns_by_name(tmp_path):
    names = tmp_path / 'unseen.txt'
    names.write_text('potted plant\n\ncat\n')
    whole = ToyDataset()
    for subset in (['potted plant', 'cat'], str(names)):
        ds = ToyDataset(class_subset=subset,
                        label_protocol=dict(type='PartialLabels', p=0.5))
        assert ds.CLASSES == ('potted plant', 'cat')
        np.testing.assert_array_equal(ds.full_labels, whole._full[:, [3, 0]])
        # The protocol draws over the subset's [N, 2] matrix.
        expected = published_partial_labels(whole._full[:, [3, 0]], 0.5)
        np.testing.assert_array_equal(ds.observed_labels, expected)


@pytest.mark.parametrize('subset, pattern', [
    (['cat', 'horse'], r"classes \['horse'\] \(1 in all\) are not in the "
     r'vocabulary of ToyDataset \(requested by class_subset\) \(4 names'),
    (['cat', 'cat'], 'each once'),
])
def test_class_subset_errors(subset, pattern):
    with pytest.raises(ValueError, match=pattern):
        ToyDataset(class_subset=subset)


def test_class_subset_file_errors(tmp_path):
    with pytest.raises(FileNotFoundError,
                       match="class_subset file '.*none.txt' does not"):
        ToyDataset(class_subset=str(tmp_path / 'none.txt'))
    bad = tmp_path / 'seen.txt'
    bad.write_text('cat\nzebra\n')
    with pytest.raises(ValueError, match=r"\['zebra'\] .*requested by "
                       r"class_subset file '.*seen.txt'"):
        ToyDataset(class_subset=str(bad))
