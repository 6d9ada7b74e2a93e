"""make_observed_labels.py: the observed matrix of a config, as a protocol
cache or DualCoOp text, with per-class statistics."""
import importlib
import re
import os.path as osp

import numpy as np
import pytest
from mmpretrain.registry import DATASETS

import mmpretrain_mlr  # noqa: F401  (registers the components)
from tests.datasets.fixtures_coco_voc import write_voc
from tests.datasets.reference_protocols import published_partial_labels

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
VOC_CONFIG = osp.join(REPO, 'configs', 'dualcoop', 'voc.py')
SP_CONFIG = osp.join(REPO, 'configs', 'single_positive', 'resnet50_voc12.py')


@pytest.fixture
def script(monkeypatch):
    monkeypatch.syspath_prepend(osp.join(REPO, 'tools', 'dataset_converters'))
    return importlib.import_module('make_observed_labels')


def options(root, p=0.5):
    return ['--cfg-options', f'train_dataloader.dataset.data_root={root}',
            f'train_dataloader.dataset.label_protocol.p={p}']


def full_labels(root):
    return DATASETS.build(dict(type='VOCMultiLabel', data_root=str(root),
                               split='trainval')).full_labels


def test_text_file_is_the_seed0_partial_matrix(script, tmp_path, capsys):
    root = write_voc(tmp_path, 'VOC2007')
    out = tmp_path / 'train_proportion_0.5.txt'
    assert script.main([VOC_CONFIG, '--out', str(out)] + options(root)) == 0
    expected = published_partial_labels(full_labels(root), 0.5)
    written = np.loadtxt(out, delimiter=',', dtype=int, ndmin=2)
    np.testing.assert_array_equal(written, expected)
    printed = capsys.readouterr().out
    assert 'PartialLabels(p=0.5, seed=0)' in printed
    # per-class row: name, known positives, negatives, unknowns
    col = 14  # 'person'
    counts = [(expected[:, col] == v).sum() for v in (1, -1, 0)]
    assert re.search(r'person\s+{}\s+{}\s+{}\n'.format(*counts), printed)


def test_npz_cache_is_read_back_by_training(script, tmp_path):
    root = write_voc(tmp_path, 'VOC2007')
    out = tmp_path / 'p03.npz'
    script.main([VOC_CONFIG, '--out', str(out)] + options(root, 0.3))
    ds = DATASETS.build(dict(
        type='VOCMultiLabel', data_root=str(root), split='trainval',
        label_protocol=dict(type='PartialLabels', p=0.3,
                            cache_file=str(out))))
    expected = published_partial_labels(full_labels(root), 0.3)
    np.testing.assert_array_equal(ds.observed_labels, expected)
    with pytest.raises(ValueError, match="made with protocol parameters"):
        DATASETS.build(dict(
            type='VOCMultiLabel', data_root=str(root), split='trainval',
            label_protocol=dict(type='PartialLabels', p=0.5,
                                cache_file=str(out))))
    with pytest.raises(SystemExit, match='exists'):
        script.main([VOC_CONFIG, '--out', str(out)] + options(root, 0.3))


def test_refuses_a_held_out_subset(script, tmp_path):
    root = write_voc(tmp_path, 'VOC2012')
    with pytest.raises(SystemExit, match='keeps .* of its .* images'):
        script.main([SP_CONFIG, '--out', str(tmp_path / 'x.txt'),
                     '--cfg-options',
                     f'train_dataloader.dataset.data_root={root}'])
    assert not (tmp_path / 'x.txt').exists()
