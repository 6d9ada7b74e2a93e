"""compare_map_conventions.py: this package's 'mmpretrain' mAP and
mmpretrain's AveragePrecision on a tools/test.py --out pickle."""
import math

import pytest
import torch
from mmengine.fileio import dump
from mmpretrain.structures import DataSample

TOOL = 'compare_map_conventions'


def sigmoid(x):
    return 1 / (1 + math.exp(-x))


# class 0: a negative at logit 20, a positive at 21 (both 1.0 in float32),
# a positive at 0.3, a negative at 0.1; class 1 has no positive
SCORES = [[sigmoid(20.), 0.5], [sigmoid(21.), 0.4], [0.3, 0.3], [0.1, 0.2]]
LABELS = [[], [0], [0], []]


def test_table_of_both_figures(script, tmp_path, capsys):
    samples = [
        DataSample().set_pred_score(torch.tensor(s, dtype=torch.float64))
        .set_gt_label(labels).to_dict()
        for s, labels in zip(SCORES, LABELS)
    ]
    path = tmp_path / 'preds.pkl'
    dump(samples, str(path))
    script.main([str(path)])
    out = capsys.readouterr().out
    assert '4 images, 2 classes, scores stored as float64' in out
    stored, rounded = [
        [cell.strip() for cell in line.strip('|').split('|')]
        for line in out.splitlines() if line.startswith(('| as', '| rou'))
    ]
    # as stored: class 0 ranks pos, neg, pos, neg -> (1 + 2/3) / 2; here
    # class 1 is left out, mmpretrain counts it 0
    assert float(stored[1]) == pytest.approx(100 * 5 / 6, abs=1e-4)
    assert float(stored[2]) == pytest.approx(100 * 5 / 12, abs=1e-4)
    assert stored[4:] == ['0', '0', '1']
    # rounded: the first two tie at 1.0, one group of a positive and a
    # negative: the positive gets precision 1/2 -> (1/2 + 2/3) / 2
    assert float(rounded[1]) == pytest.approx(100 * 7 / 12, abs=1e-4)
    assert rounded[4:] == ['2', '1', '1']
