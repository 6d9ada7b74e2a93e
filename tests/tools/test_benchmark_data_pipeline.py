"""benchmark_data_pipeline.py runs a config's own pipelines on generated
JPEGs with each installed decode backend and worker count."""
import json
import os.path as osp

import numpy as np
import pytest

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = 'benchmark_data_pipeline'  # the `script` fixture (conftest.py)
COCO = osp.join(REPO, 'configs', 'dualcoop', 'coco.py')
DEMO = osp.join(REPO, 'configs', 'demo', 'dualcoop_shapes.py')


@pytest.fixture(scope='module')
def jpegs(script, tmp_path_factory):
    return script.write_images(str(tmp_path_factory.mktemp('jpegs')), 6,
                               640, 480)


def test_every_pipeline_backend_and_worker_count_is_timed(script, tmp_path,
                                                          capsys):
    out = tmp_path / 'out.json'
    result = script.main([COCO, '--num-images', '6', '--batch-size', '2',
                          '--workers', '0', '1', '--json', str(out)])
    assert json.load(open(out)) == result
    installed = script.installed_backends()
    assert {(r['pipeline'], r['backend'], r['workers'])
            for r in result['rows']} == {
        (p, b, w) for p in ('train', 'test') for b in installed
        for w in (0, 1)}
    assert all(r['images_per_s'] > 0 and not r['loader_added']
               for r in result['rows'])
    assert set(result['decode_ms']) == set(installed)
    assert '| train | cv2 | 1 |' in capsys.readouterr().out


def test_the_config_s_transforms_run_on_the_files(script, jpegs):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')
    for config, name, shape, added in [
            (COCO, 'train', (3, 448, 448), False),
            (DEMO, 'train', (3, 480, 640), True)]:
        pipeline = script.config_pipelines(Config.fromfile(config))[name]
        steps, was_added = script.with_backend(pipeline, 'pillow')
        assert was_added == added
        assert [t for t in steps if t['type'] == 'LoadImageFromFile'] == [
            dict(type='LoadImageFromFile', imdecode_backend='pillow')]
        assert 'imdecode_backend' not in str(pipeline)  # a copy
        item = script.GeneratedImages(jpegs, steps)[1]
        assert tuple(item['inputs'].shape) == shape
        assert item['data_samples'].observed_label.shape == (80, )


def test_backends_decode_the_same_pixels(script, jpegs):
    import mmcv
    with open(jpegs[0], 'rb') as f:
        blob = f.read()
    decoded = [mmcv.imfrombytes(blob, backend=b).astype(float)
               for b in script.installed_backends()]
    assert decoded[0].shape == (480, 640, 3)
    for other in decoded[1:]:  # libjpeg builds may round differently
        assert np.abs(other - decoded[0]).mean() < 1


def test_generated_files_are_photo_sized(script, jpegs):
    kib = np.mean([osp.getsize(p) for p in jpegs]) / 1024
    assert 80 < kib < 250


@pytest.mark.parametrize('argv, message', [
    (['--num-images', '4', '--batch-size', '8'], 'must exceed'),
    (['--workers', '-1'], '>= 0'),
])
def test_bad_options_are_usage_errors(script, capsys, argv, message):
    with pytest.raises(SystemExit):
        script.parse_args([COCO, *argv])
    assert message in capsys.readouterr().err


class _SlowItems:
    """Items that each take ``seconds`` to load, the first one 0.3 s more
    (a start-up cost)."""

    def __init__(self, num, seconds):
        self.num, self.seconds = num, seconds

    def __len__(self):
        return self.num

    def __getitem__(self, i):
        import time
        time.sleep(self.seconds + (0.3 if i == 0 else 0))
        return dict(inputs=i)


def test_the_rate_counts_images_after_the_first_batch(script):
    # 8 items of 50 ms, batches of 2: the first batch is left out (with
    # its start-up), the other 6 images take 0.3 s: 20 images per second
    # at most
    rate = script.images_per_second(_SlowItems(8, 0.05), 0, 2)
    assert 20 * 0.75 < rate <= 20
