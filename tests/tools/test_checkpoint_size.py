"""checkpoint_size.py on the DualCoOp demo: counts in closed form, the
small checkpoint without the towers."""
import os.path as osp

import pytest

TOOL = 'checkpoint_size'
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_demo_sizes(script):
    row = script.measure(osp.join(REPO, 'configs', 'demo',
                                  'dualcoop_shapes.py'))
    # only the class-specific positive and negative contexts train:
    # 2 x 10 classes x 8 tokens x width 64
    assert row['trained'] == 2 * 10 * 8 * 64
    assert row['pretrained'] == 'shapes' and row['left_out_tensors'] > 100
    # AdamW keeps two moments per trained value (float32), plus steps
    assert row['optimizer_mib'] * 2**20 >= 2 * 4 * row['trained']
    weights = 4 * row['trained'] / 2**20
    assert row['small_mib'] == pytest.approx(
        row['optimizer_mib'] + weights, abs=0.05)
    assert row['full_mib'] > 20 * row['small_mib']
