"""The synthetic COCO file of benchmark_dataset_loading.py is a valid
instances file that COCOMultiLabel reads with the expected labels."""
import importlib
import json
import os.path as osp

import numpy as np
from mmpretrain.registry import DATASETS

import mmpretrain_mlr  # noqa: F401  (registers the components)

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def test_synthetic_instances_file_loads(tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(osp.join(REPO, 'tools', 'analysis_tools'))
    bench = importlib.import_module('benchmark_dataset_loading')
    ann = tmp_path / 'annotations' / 'instances_train2014.json'
    ann.parent.mkdir()
    bench.write_instances(str(ann), num_images=40, num_annotations=100)
    content = json.loads(ann.read_text())
    ds = DATASETS.build(dict(type='COCOMultiLabel', data_root=str(tmp_path),
                             split='train', keep_empty_images=True,
                             missing_images='unchecked'))
    assert len(ds) == 40 and len(ds.CLASSES) == 80
    # independent count: distinct (image, category) pairs of the file
    pairs = {(a['image_id'], a['category_id'])
             for a in content['annotations']}
    assert int((ds.full_labels == 1).sum()) == len(pairs)
    assert np.isin(ds.full_labels, (-1, 1)).all()
