"""The protocol summary counts a real partial-label training set."""
import numpy as np
from mmpretrain.registry import DATASETS

import mmpretrain_mlr  # noqa: F401
from mmpretrain_mlr.engine.hooks.label_protocol_summary import \
    label_protocol_summary


def test_counts_of_partial_labels():
    dataset = DATASETS.build(dict(
        type='ShapesMultiLabel', num_images=40, image_size=32, seed=0,
        split='train',
        label_protocol=dict(type='PartialLabels', p=0.5, seed=0)))
    summary = label_protocol_summary(dataset)
    classes = len(dataset.CLASSES)
    assert summary['images'] == 40 and summary['classes'] == classes
    assert summary['known_pos'] + summary['known_neg'] + \
        summary['unknown'] == 40 * classes
    # known entries agree with the full labels
    full = np.zeros((40, classes), dtype=bool)
    known = np.zeros((40, classes), dtype=bool)
    for i in range(40):
        info = dataset.get_data_info(i)
        full[i, info['gt_label']] = True
        known[i] = info['observed_label'] != 0
    assert summary['known_pos'] == int((full & known).sum())
    assert summary['known_share'] == known.mean()
    assert 0.3 < summary['known_share'] < 0.7  # p = 0.5
