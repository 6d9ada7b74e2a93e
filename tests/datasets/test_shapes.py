"""Tests of the procedural ShapesMultiLabel demo dataset."""
import math

import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate
from mmpretrain.registry import DATASETS
from torch.utils.data import DataLoader

import mmpretrain_mlr  # noqa: F401  (registers the components)
from mmpretrain_mlr.datasets import SHAPES_CLASSES, ShapesMultiLabel
from tests.datasets.reference_protocols import published_partial_labels

# Area of each shape over its 2r x 2r bounding box (r = circumradius).
AREA_FRACTION = {
    'circle': math.pi / 4,
    'square': 0.5,
    'triangle': 3 * math.sqrt(3) / 16,
}


def colour_family(img, colour):
    """[H, W] bool: pixels of a BGR image that look like ``colour``."""
    b, g, r = (img[..., i].astype(int) for i in range(3))
    if colour == 'red':
        return r - np.maximum(g, b) > 60
    if colour == 'green':
        return g - np.maximum(r, b) > 60
    if colour == 'blue':
        return b - np.maximum(r, g) > 60
    if colour == 'yellow':
        return (np.minimum(r, g) - b > 60) & (np.abs(r - g) < 60)
    raise ValueError(colour)


def images(ds, count):
    return [ds.prepare_data(i)['img'] for i in range(count)]


def test_deterministic_and_splits_differ():
    a = ShapesMultiLabel(num_images=20, seed=3)
    b = ShapesMultiLabel(num_images=20, seed=3)
    for x, y in zip(images(a, 20), images(b, 20)):
        np.testing.assert_array_equal(x, y)
    np.testing.assert_array_equal(a.full_labels, b.full_labels)
    val = ShapesMultiLabel(num_images=20, seed=3, split='val')
    other = ShapesMultiLabel(num_images=20, seed=4)
    for ds in (val, other):
        assert not np.array_equal(ds.full_labels, a.full_labels)
        assert not np.array_equal(images(ds, 1)[0], images(a, 1)[0])


def test_image_format():
    ds = ShapesMultiLabel(num_images=3, image_size=48)
    img = ds.prepare_data(0)['img']
    assert img.shape == (48, 48, 3) and img.dtype == np.uint8
    info = ds.get_data_info(0)
    assert info['img_shape'] == info['ori_shape'] == (48, 48)
    assert 'img' not in info  # rendered on access, not stored


def test_labels_match_objects_and_every_class_is_common():
    ds = ShapesMultiLabel(num_images=300, split='val', seed=0)
    assert ds.CLASSES == SHAPES_CLASSES
    full = ds.full_labels
    assert set(np.unique(full)) == {-1, 1}
    for i in range(len(ds)):
        objects = ds.get_data_info(i)['objects']
        assert 1 <= len(objects) <= 4
        names = {f"{o['colour']} {o['shape']}" for o in objects}
        positives = np.flatnonzero(full[i] == 1)
        assert names == {SHAPES_CLASSES[c] for c in positives}
    prevalence = (full == 1).mean(0)
    # Measured on this split: 0.19 to 0.26 for every class.
    assert prevalence.min() > 0.15 and prevalence.max() < 0.32, prevalence


def test_objects_are_visible_where_labelled():
    ds = ShapesMultiLabel(num_images=40, split='val')
    coords = np.arange(ds.image_size) + 0.5
    for i, img in enumerate(images(ds, len(ds))):
        objects = ds.get_data_info(i)['objects']
        for obj in objects:
            (cx, cy), r = obj['center'], obj['radius']
            inside_x = np.abs(coords - cx) <= r
            inside_y = np.abs(coords - cy) <= r
            box = img[inside_y][:, inside_x]
            fraction = colour_family(box, obj['colour']).sum() / (2 * r)**2
            nearest = min(
                AREA_FRACTION,
                key=lambda s: abs(AREA_FRACTION[s] - fraction))
            assert nearest == obj['shape'], (i, obj, fraction)
        # A colour no object has does not appear in the image.
        for colour in {'red', 'green', 'blue', 'yellow'} - {
                o['colour'] for o in objects}:
            assert colour_family(img, colour).sum() == 0, (i, colour)


def test_classes_subset_labels_only_those_columns():
    subset = ['blue triangle', 'red circle']
    ds = ShapesMultiLabel(num_images=50, classes=subset)
    whole = ShapesMultiLabel(num_images=50)
    assert ds.CLASSES == tuple(subset)
    columns = [SHAPES_CLASSES.index(name) for name in subset]
    np.testing.assert_array_equal(ds.full_labels,
                                  whole.full_labels[:, columns])


@pytest.mark.parametrize('kwargs, pattern', [
    (dict(classes=['purple circle']), 'unknown classes'),
    (dict(split='trainval'), '`split`'),
    (dict(num_images=0), '`num_images`'),
    (dict(image_size=8), '`image_size`'),
])
def test_bad_arguments_raise(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        ShapesMultiLabel(**kwargs)


def load_all(ds, num_workers):
    loader = DataLoader(
        ds, batch_size=8, num_workers=num_workers, collate_fn=pseudo_collate)
    inputs, observed, gt = [], [], []
    for batch in loader:
        inputs += batch['inputs']
        observed += [s.observed_label for s in batch['data_samples']]
        gt += [s.gt_label.tolist() for s in batch['data_samples']]
    return torch.stack(inputs), np.stack(observed), gt


def test_pipeline_and_dataloader_workers_agree():
    cfg = dict(
        type='ShapesMultiLabel',
        num_images=32,
        label_protocol=dict(type='PartialLabels', p=0.5),
        pipeline=[
            dict(type='PackInputs', algorithm_keys=('observed_label', ))
        ])
    ds = DATASETS.build(cfg)
    expected = published_partial_labels(ds.full_labels, 0.5)
    np.testing.assert_array_equal(ds.observed_labels, expected)

    inputs0, observed0, gt0 = load_all(ds, num_workers=0)
    inputs2, observed2, gt2 = load_all(DATASETS.build(cfg), num_workers=2)
    assert inputs0.shape == (32, 3, 64, 64) and inputs0.dtype == torch.uint8
    assert torch.equal(inputs0, inputs2)
    np.testing.assert_array_equal(observed0, expected)
    np.testing.assert_array_equal(observed2, expected)
    assert gt0 == gt2 == [
        np.flatnonzero(row == 1).tolist() for row in ds.full_labels
    ]
