"""benchmark_train_step.py runs each timed part of a real training step:
the head's parameters get gradients from the step it times."""
import json
import os.path as osp
import sys

import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = 'benchmark_train_step'  # the `script` fixture (conftest.py)


@pytest.mark.parametrize('config', ['trm_ml_shapes.py', 'dualcoop_shapes.py'])
def test_step_times_every_part_and_reaches_the_trained_weights(
        script, config, tmp_path):
    args = script.parse_args([
        osp.join(REPO, 'configs', 'demo', config), '--batch-size', '2',
        '--image-size', '64', '--steps', '1', '--warmup', '0', '--json',
        str(tmp_path / 'out.json')])
    cfg, model = script.build_model(args.config, 'cpu', 0)
    images, samples = script.make_batch(cfg, model, 2, 64, 'cpu')
    times = {}
    trained = [p for p in model.parameters() if p.requires_grad]
    grads = []
    for p in trained:  # keep each gradient before the step clears it
        p.register_hook(lambda g, store=grads: store.append(g.abs().sum()))
    script.train_step(model, images, samples, 'cpu', times)
    assert set(times) == set(script.SEGMENTS)
    assert grads and sum(grads) > 0
    script.main(sys.argv[:0] + [
        args.config, '--batch-size', '2', '--image-size', '64', '--steps',
        '1', '--warmup', '0', '--json', str(tmp_path / 'out.json')])
    result = json.load(open(tmp_path / 'out.json'))
    assert set(result['ms']) == set(script.SEGMENTS)
    assert result['images_per_s'] > 0 and result['peak_memory_mib'] > 0
