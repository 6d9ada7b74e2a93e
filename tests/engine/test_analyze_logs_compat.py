"""mmpretrain's own tools/analysis_tools/analyze_logs.py reads the scalar
logs of a run with BestAndLastHook: validation and training curves plot."""
import argparse
import glob
import importlib.util
import json
import os.path as osp

import matplotlib
import mmpretrain
import pytest

from tests.engine.test_best_and_last_hook import _runner

matplotlib.use('Agg')
ANALYZE_LOGS = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools',
                        'analysis_tools', 'analyze_logs.py')


def load_analyze_logs():
    if not osp.isfile(ANALYZE_LOGS):
        pytest.skip('this mmpretrain install has no tools/analysis_tools')
    spec = importlib.util.spec_from_file_location('analyze_logs',
                                                  ANALYZE_LOGS)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_plot_curve_of_validation_and_training_keys(tmp_path):
    runner = _runner(tmp_path, 3, [0.5, 0.9, 0.7])
    runner.train()
    scalars = osp.join(runner.log_dir, 'vis_data', 'scalars.json')
    with open(scalars) as f:
        rows = [json.loads(line) for line in f]
    # numbers only (TensorBoard's add_scalar warns on anything else)
    assert all(isinstance(v, (int, float)) for r in rows for v in r.values())
    analyze_logs = load_analyze_logs()
    from mmpretrain.utils import load_json_log
    log_dicts = [load_json_log(scalars)]
    for keys in (['multi-label/mAP', 'best_and_last/best'], ['loss']):
        out = str(tmp_path / f'{keys[0].replace("/", "_")}.png')
        args = argparse.Namespace(json_logs=[scalars], keys=keys,
                                  legend=None, style='whitegrid',
                                  window_size='8*5', title=None, out=out)
        analyze_logs.plot_curve(log_dicts, args)
        assert osp.getsize(out) > 0
    assert glob.glob(osp.join(runner.log_dir, 'best_and_last.json'))
