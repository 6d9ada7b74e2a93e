"""ShapesScenes: determinism, statistics, occlusion, masks against labels."""
import math

import numpy as np
import pytest

from mmpretrain_mlr.datasets import SCENE_CLASSES, SceneWorld, ShapesScenes
from mmpretrain_mlr.datasets.scene_render import (resolve_occlusion,
                                                  scene_shape_mask)


@pytest.fixture(scope='module')
def val_scenes():
    return ShapesScenes(num_images=300, split='val', seed=0)


def test_deterministic_from_seed_and_split(val_scenes):
    again = ShapesScenes(num_images=300, split='val', seed=0)
    for i in (0, 17, 299):
        assert again.get_data_info(i)['caption'] == \
            val_scenes.get_data_info(i)['caption']
        img_a, map_a = again.render(i)
        img_b, map_b = val_scenes.render(i)
        np.testing.assert_array_equal(img_a, img_b)
        np.testing.assert_array_equal(map_a, map_b)
    other = ShapesScenes(num_images=20, split='train', seed=0)
    assert not np.array_equal(other.render(0)[0], val_scenes.render(0)[0])


def test_statistics_of_real_multi_label_data(val_scenes):
    labels = np.stack([
        val_scenes.get_data_info(i)['full_label'] == 1
        for i in range(len(val_scenes))
    ])
    assert len(SCENE_CLASSES) >= 40 and labels.shape[1] == 48
    cardinality = labels.sum(1).mean()
    assert 2.4 <= cardinality <= 3.4  # COCO: 2.9
    assert labels.sum(1).min() >= 1
    counts = [sum(o['class_idx'] >= 0 for o in val_scenes.get_data_info(i)
                  ['objects']) for i in range(len(val_scenes))]
    assert 1 <= min(counts) and max(counts) <= 10 and max(counts) >= 7
    # the world's own frequencies are long-tailed: the most frequent class
    # drawn at least 10x as often as the least frequent one
    weights = SceneWorld().class_weights
    assert weights.max() / weights.min() >= 10
    prevalence = labels.mean(0)
    assert prevalence.max() / max(prevalence[prevalence > 0].min(), 1e-9) >= 10
    # 128 px: 64 patch tokens of a patch-16 ViT
    assert val_scenes.get_data_info(0)['img_shape'] == (128, 128)


def test_objects_come_from_their_context_when_none_is_context_free():
    world = SceneWorld(context_free_share=0.0, mean_distractors=0.0)
    rng = np.random.RandomState(3)
    for _ in range(50):
        scene = world.sample_scene(rng, 128)
        members = np.nonzero(world.context_classes[scene['context']])[0]
        assert all(obj['class_idx'] in members for obj in scene['objects'])


def test_contexts_make_their_classes_co_occur():
    world = SceneWorld(num_contexts=4, classes_per_context=3,
                       context_free_share=0.0, mean_distractors=0.0)
    rng = np.random.RandomState(0)
    labels = np.zeros((600, len(SCENE_CLASSES)), bool)
    for i in range(len(labels)):
        for obj in world.sample_scene(rng, 64)['objects']:
            labels[i, obj['class_idx']] = True
    members = world.context_classes > 0  # [K, C]
    shared = members.T.astype(int) @ members.astype(int)  # [C, C]
    prevalence = labels.mean(0)
    seen = np.nonzero(prevalence > 0.05)[0]
    for a in seen:
        for b in seen:
            if a >= b:
                continue
            together = (labels[:, a] & labels[:, b]).mean()
            if shared[a, b] == 0:  # never in one context: never together
                assert together == 0
            elif shared[a, b] == members[:, a].sum() == members[:, b].sum():
                # always in the same contexts: far above independence
                assert together > 1.5 * prevalence[a] * prevalence[b]


def test_occlusion_drops_hidden_objects_and_measures_visibility():
    square = dict(shape='square', angle=0.0, bgr=(0, 0, 0), class_idx=0)
    # circumradius r * sqrt(2) gives a square of side 2r
    s = math.sqrt(2)
    below = dict(square, center=(20.0, 20.0), radius=10 * s)  # 20 x 20
    half_cover = dict(square, center=(30.0, 20.0), radius=10 * s)
    kept = resolve_occlusion([below, half_cover], 64, min_visible=0.3)
    assert [o['center'] for o in kept] == [below['center'],
                                           half_cover['center']]
    assert kept[0]['area'] == 400 and kept[0]['visible'] == pytest.approx(0.5)
    assert kept[1]['visible'] == 1.0
    full_cover = dict(square, center=(20.0, 20.0), radius=12 * s)
    kept = resolve_occlusion([below, full_cover], 64, min_visible=0.3)
    assert [o['radius'] for o in kept] == [full_cover['radius']]


@pytest.mark.parametrize('shape,area', [
    ('ring', math.pi * (1 - 0.55**2)),
    ('cross', 2 * (2 / math.sqrt(2)) * 0.6 - 0.6**2),
    ('bar', 2 * 0.35),
    # five kites between the centre, an inner corner and two points
    ('star', 10 * 0.5 * 1 * 0.45 * math.sin(math.pi / 5)),
])
def test_shape_areas(shape, area):
    coords = (np.arange(2000) + 0.5) / 1000 - 1  # [-1, 1], radius 1
    dx, dy = np.meshgrid(coords, coords)
    mask = scene_shape_mask(shape, dx, dy, 1.0, 0.3)
    assert mask.mean() * 4 == pytest.approx(area, rel=0.01)


def test_masks_agree_with_labels(val_scenes):
    for i in range(40):
        info = val_scenes.get_data_info(i)
        masks = val_scenes.class_masks(i)
        positives = set(np.nonzero(info['full_label'] == 1)[0].tolist())
        assert set(masks) == positives
        img, object_map = val_scenes.render(i)
        for k, obj in enumerate(info['objects']):
            inside = object_map == k
            assert inside.sum() == pytest.approx(
                obj['area'] * obj['visible'], abs=0.5)
            # the object's colour (pixel noise of std 6 around it)
            mean = img[inside].astype(float).mean(0)
            assert np.abs(mean - np.asarray(obj['bgr'])).max() < 4


def test_class_subset_and_object_map_fields():
    names = ['red star', 'blue ring', 'pink cross']
    ds = ShapesScenes(num_images=30, split='val', classes=names,
                      with_object_map=True, pipeline=[])
    assert ds.CLASSES == tuple(names)
    sample = ds[0]
    columns = sample['object_columns']
    assert sample['object_map'].shape == (128, 128)
    for k, obj in enumerate(sample['objects']):
        name = SCENE_CLASSES[obj['class_idx']] if obj['class_idx'] >= 0 \
            else None
        assert columns[k] == (names.index(name) if name in names else -1)
    with pytest.raises(ValueError, match='unknown classes'):
        ShapesScenes(num_images=2, classes=['red dodecahedron'])


def test_caption_names_every_object(val_scenes):
    info = val_scenes.get_data_info(5)
    for obj in info['objects']:
        assert f"{obj['colour']} {obj['shape']}" in info['caption']


def test_captions_name_some_objects_with_a_share():
    full = ShapesScenes(num_images=60, split='val')
    some = ShapesScenes(num_images=60, split='val', caption_share=0.5)
    fewer = 0
    for i in range(60):
        objects = some.get_data_info(i)['objects']
        kinds = {f"{o['colour']} {o['shape']}" for o in objects}
        named = {k for k in kinds if k in some.get_data_info(i)['caption']}
        assert named and named <= kinds  # at least one kind, no other
        fewer += len(named) < len(kinds)
        # the scenes themselves do not depend on the captions
        assert objects == full.get_data_info(i)['objects']
    assert 10 < fewer < 60
    with pytest.raises(ValueError, match='caption_share'):
        ShapesScenes(num_images=2, caption_share=0)
