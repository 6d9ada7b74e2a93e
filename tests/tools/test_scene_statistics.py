"""scene_statistics.py: label and object statistics by hand."""
import numpy as np
import pytest

TOOL = 'scene_statistics'


def test_label_statistics_by_hand(script):
    labels = np.zeros((10, 3), bool)
    labels[:5, 0] = True  # class 0 in the first five images
    labels[:5, 1] = True  # class 1 always with class 0
    labels[9, 2] = True  # class 2 once
    labels[8, 0] = True
    stats = script.label_statistics(labels)
    assert stats['cardinality'] == pytest.approx(12 / 10)
    assert stats['max_prevalence'] == pytest.approx(60.0)
    assert stats['min_prevalence'] == pytest.approx(10.0)
    assert stats['max_min_ratio'] == pytest.approx(6.0)
    # only the pair (0, 1) is seen together 5 times: P(0,1) = 0.5 against
    # 0.6 * 0.5 = 0.3 for independent classes (lift 1.67 < 2)
    assert stats['pairs_lift_2'] == 0.0
    phi = (0.5 - 0.3) / np.sqrt(0.6 * 0.4 * 0.5 * 0.5)
    assert stats['mean_phi'] == pytest.approx(phi, rel=1e-6)


def test_object_statistics_by_hand(script):
    image = [dict(class_idx=0, area=100, visible=1.0),
             dict(class_idx=1, area=200, visible=0.5),
             dict(class_idx=-1, area=50, visible=1.0)]
    stats = script.object_statistics([image, image[:1]], image_area=1000)
    assert stats['objects'] == 1.5 and stats['distractors'] == 0.5
    assert stats['occluded'] == pytest.approx(100 / 3)
    # visible areas 10 %, 10 %, 10 %: all above COCO's large threshold
    assert stats['area_q50'] == pytest.approx(10.0)
    assert stats['large_share'] == 100.0 and stats['small_share'] == 0.0
