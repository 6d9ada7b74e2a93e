"""Per-class results with class names: log table, CSV, named scalars."""
import csv
import math
import uuid

import numpy as np
import pytest
from mmengine.logging import MMLogger

from mmpretrain_mlr.evaluation.per_class import format_table, per_class_rows
from tests.evaluation.test_metrics import _evaluate

# class 0: positives at ranks 1 and 3 of the kept entries -> AP 5/6;
# class 1: no positive; class 2: positive ranked last of 4 -> AP 1/4
SCORES = [[0.9, 0.4, 0.1], [0.8, 0.3, 0.2], [0.7, 0.2, 0.3],
          [0.6, 0.1, 0.4]]
TARGETS = [[1, -1, 1], [0, -1, -1], [-1, 0, -1], [1, -1, -1]]
META = dict(classes=['red circle', 'blue square', 'green triangle'])


@pytest.fixture
def log_file(tmp_path):
    path = tmp_path / 'run.log'
    MMLogger.get_instance(f'per_class_{uuid.uuid4().hex}',
                          log_file=str(path))
    return path


def test_named_table_csv_and_unchanged_keys(log_file):
    metrics = _evaluate(dict(type='MultiLabelMAP', per_class=True,
                             per_class_scalars=True), SCORES, TARGETS,
                        dataset_meta=META)
    assert metrics['multi-label/mAP'] == pytest.approx(100 * (5 / 6 + 1 / 4)
                                                       / 2)
    assert metrics['multi-label/AP/red circle'] == pytest.approx(500 / 6)
    assert metrics['multi-label/AP/green triangle'] == pytest.approx(25.)
    assert 'multi-label/AP/blue square' not in metrics  # no positive
    log = log_file.read_text()
    table = log[log.index('per-class AP'):]
    # lowest first, the class without an AP last
    assert (table.index('green triangle') < table.index('red circle')
            < table.index('blue square'))
    with open(log_file.parent / 'per_class_multi-label.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['name'] for r in rows] == META['classes']
    assert [r['positives'] for r in rows] == ['2', '0', '1']
    assert float(rows[0]['AP']) == pytest.approx(500 / 6, abs=1e-4)


def test_off_by_default(log_file):
    metrics = _evaluate(dict(type='MultiLabelMAP', convention='ssgrl'),
                        SCORES, TARGETS, dataset_meta=META)
    assert list(metrics) == ['multi-label/mAP']
    assert not (log_file.parent / 'per_class_multi-label.csv').exists()


def test_zero_shot_rows_say_seen_or_unseen(log_file):
    metrics = _evaluate(dict(type='ZeroShotMetric', num_unseen=1, ks=(1, ),
                             per_class=True, per_class_scalars=True),
                        SCORES, TARGETS, dataset_meta=META)
    assert metrics['gzsl/AP/green triangle'] == pytest.approx(25.)
    with open(log_file.parent / 'per_class_gzsl.csv') as f:
        rows = list(csv.DictReader(f))
    assert [r['split'] for r in rows] == ['seen', 'seen', 'unseen']


def test_numbered_when_the_dataset_names_no_classes():
    rows = per_class_rows(['class 0', 'class 1', 'class 2'],
                          np.array(SCORES),
                          np.array(TARGETS), 'ssgrl')
    assert rows[1]['AP'] == 0. and not math.isnan(rows[1]['AP'])
    text = format_table(rows, max_rows=2)
    assert 'class 1' in text and 'class 0' not in text  # the 2 lowest
