"""plot_results.py: pictures from a test.py --out pickle and from the
pseudo-label rows EpochSummaryHook writes to scalars.json."""
import json

import numpy as np
import pytest
import torch
from mmengine.fileio import dump
from mmpretrain.structures import DataSample

TOOL = 'plot_results'
NAMES = ['red circle', 'blue square', 'green triangle']


def predictions_file(tmp_path):
    """Data samples as tools/test.py --out (mmengine's DumpResults) writes
    them: one dict per image."""
    rng = np.random.RandomState(0)
    samples = []
    for _ in range(12):
        labels = np.flatnonzero(rng.rand(3) < 0.5)
        score = rng.rand(3) * 0.5 + 0.5 * np.isin(np.arange(3), labels)
        samples.append(DataSample().set_pred_score(
            torch.tensor(score, dtype=torch.float32)).set_gt_label(
                labels).to_dict())
    path = tmp_path / 'preds.pkl'
    dump(samples, str(path))
    return path


def test_precision_recall_closed_form(script):
    # ranking: pos, neg, pos (the ignored entry is left out)
    precision, recall = script.precision_recall(
        np.array([0.9, 0.8, 0.7, 0.6]), np.array([1, -1, 0, 1]))
    assert np.allclose(precision, [1, 1 / 2, 2 / 3])
    assert np.allclose(recall, [1 / 2, 1 / 2, 1])


def test_prediction_pictures(script, tmp_path):
    names = tmp_path / 'names.txt'
    names.write_text('\n'.join(NAMES) + '\n')
    script.main(['predictions', str(predictions_file(tmp_path)),
                 '--classes-file', str(names), '--pr-classes',
                 'red circle,green triangle', '--out-dir', str(tmp_path)])
    for name in ('ap_per_class', 'pr_curves', 'score_histograms'):
        assert (tmp_path / f'{name}.png').stat().st_size > 1000
    with pytest.raises(SystemExit, match='purple star'):
        script.main(['predictions', str(tmp_path / 'preds.pkl'),
                     '--classes-file', str(names), '--pr-classes',
                     'purple star', '--out-dir', str(tmp_path)])


def test_pseudo_label_picture(script, tmp_path):
    run = tmp_path / 'work' / '20240101_000000' / 'vis_data'
    run.mkdir(parents=True)
    rows = [dict(lr=0.1, loss=1.0, step=5)]
    for epoch in (1, 2, 3):
        rows.append({'train/pseudo_pos': 10. * epoch,
                     'train/pseudo_neg': 40. * epoch,
                     'train/pseudo_pos_precision': 0.5 + 0.1 * epoch,
                     'train/pseudo_neg_precision': 0.9,
                     'train/known_share': 0.5, 'step': epoch})
    (run / 'scalars.json').write_text(
        ''.join(json.dumps(r) + '\n' for r in rows))
    path, parsed = script.pseudo_label_rows(str(tmp_path / 'work'))
    assert [r['epoch'] for r in parsed] == [1, 2, 3]
    assert parsed[2]['pseudo_pos'] == 30.
    script.main(['pseudo-labels', str(tmp_path / 'work'), '--out-dir',
                 str(tmp_path)])
    assert (tmp_path / 'pseudo_labels.png').stat().st_size > 1000
    (run / 'scalars.json').write_text(json.dumps(rows[0]) + '\n')
    with pytest.raises(SystemExit, match='no pseudo-label figures'):
        script.pseudo_label_rows(str(run / 'scalars.json'))
