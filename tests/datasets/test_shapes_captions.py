"""ShapesCaptions: scenes over all 12 pairs, captions that name them."""
import re
from collections import Counter

import numpy as np
import pytest

from mmpretrain_mlr.datasets import SHAPES_ALL_CLASSES, ShapesCaptions
from mmpretrain_mlr.datasets.shapes import render_shapes
from mmpretrain_mlr.datasets.shapes_captions import (CAPTION_TEMPLATES,
                                                     COUNT_WORDS,
                                                     describe_objects)


def parse_caption(caption):
    """The template and the Counter of 'colour shape' names of a caption,
    read back from its text (the longest matching template wins)."""
    for template in sorted(CAPTION_TEMPLATES, key=len, reverse=True):
        head, tail = template.split('{}')
        if caption.startswith(head) and caption.endswith(tail):
            body = caption[len(head):len(caption) - len(tail)]
            break
    counts = Counter()
    for phrase in re.split(r', | and ', body):
        count, colour, shape = phrase.split(' ')
        counts[f'{colour} {shape.rstrip("s")}'] += COUNT_WORDS.index(count)
    return template, counts


def test_describe_objects_counts_and_orders():
    rng = np.random.RandomState(0)
    names = ['red circle', 'blue square', 'red circle', 'green triangle']
    seen = set()
    for _ in range(20):
        caption = describe_objects(names, rng, 'there is {}.')
        assert caption.startswith('there is ') and caption.endswith('.')
        assert 'two red circles' in caption
        assert parse_caption(caption) == ('there is {}.', Counter(names))
        seen.add(caption)
    assert len(seen) > 1  # the order of the groups varies
    assert describe_objects(['yellow square'], rng) == 'a yellow square'


def test_captions_match_objects_and_labels():
    ds = ShapesCaptions(num_images=200, seed=3)
    assert ds.CLASSES == SHAPES_ALL_CLASSES and len(SHAPES_ALL_CLASSES) == 12
    templates = set()
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        names = [SHAPES_ALL_CLASSES[o['class_idx']] for o in info['objects']]
        template, counts = parse_caption(info['caption'])
        assert counts == Counter(names)
        assert sorted(info['gt_label']) == sorted(
            {SHAPES_ALL_CLASSES.index(n) for n in names})
        templates.add(template)
    drawn = Counter(SHAPES_ALL_CLASSES[o['class_idx']]
                    for i in range(len(ds))
                    for o in ds.get_data_info(i)['objects'])
    assert set(drawn) == set(SHAPES_ALL_CLASSES)  # the held-out pairs too
    assert templates == set(CAPTION_TEMPLATES)


def test_deterministic_and_splits_differ():
    a = ShapesCaptions(num_images=20, seed=1)
    b = ShapesCaptions(num_images=20, seed=1, cache_images=True)
    val = ShapesCaptions(num_images=20, seed=1, split='val')
    for i in range(20):
        assert a.get_data_info(i)['caption'] == b.get_data_info(i)['caption']
    assert [a.get_data_info(i)['caption'] for i in range(20)] != [
        val.get_data_info(i)['caption'] for i in range(20)]
    info = a.get_data_info(5)
    expected = render_shapes(info['objects'], info['background'], 64)
    np.testing.assert_array_equal(a.image(5), expected)
    np.testing.assert_array_equal(b.image(5), expected)
    np.testing.assert_array_equal(b.image(5), expected)  # from the cache


def test_class_subset_and_bad_class():
    ds = ShapesCaptions(num_images=50, classes=['green square',
                                                'yellow triangle'])
    assert ds.CLASSES == ('green square', 'yellow triangle')
    full = ShapesCaptions(num_images=50)
    for i in range(50):
        names = {SHAPES_ALL_CLASSES[o['class_idx']]
                 for o in full.get_data_info(i)['objects']}
        expected = [c for c, n in enumerate(ds.CLASSES) if n in names]
        assert ds.get_data_info(i)['gt_label'] == expected
    with pytest.raises(ValueError, match='purple circle'):
        ShapesCaptions(num_images=4, classes=['purple circle'])
