"""benchmark_train_step.py times the model's own training step stage by
stage, counts what each stage saves for backward, and compares mixed
precision with float32."""
import json
import os.path as osp

import pytest
import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOOL = 'benchmark_train_step'  # the `script` fixture (conftest.py)
SMALL = ['--batch-size', '2', '--image-size', '64', '--steps', '1']


def demo(name):
    return osp.join(REPO, 'configs', 'demo', name)


@pytest.mark.parametrize('config', ['trm_ml_shapes.py', 'dualcoop_shapes.py'])
def test_every_stage_is_timed_and_the_step_reaches_the_trained_weights(
        script, config):
    cfg, model = script.build_model(demo(config), 'cpu')
    images, samples = script.make_batch(
        script.num_model_classes(cfg, model), 2, 64, 'cpu')
    clock = script.StageClock('cpu')
    clock.instrument(model)
    grads = []
    for p in model.parameters():  # keep each gradient before it is cleared
        if p.requires_grad:
            p.register_hook(lambda g, store=grads: store.append(g.abs().sum()))
    script.train_step(model, images, samples, clock, 'none', 'cpu')
    assert grads and sum(grads) > 0
    assert set(script.STAGES) - {'text side'} <= {
        s for s, t in clock.times.items() if t > 0}
    assert clock.times['forward'] >= sum(clock.times[s]
                                         for s in script.STAGES)
    # the frozen CLIP tower keeps nothing; the trained parts do
    assert clock.saved['image tower'] == 0
    assert sum(clock.saved.values()) > 0


def test_a_trained_backbone_saves_activations(script):
    """The linear baseline (mmpretrain ImageClassifier, ResNet-50 trained
    end to end): its image tower is timed through extract_feat and does
    save for backward, so the zero above is a measurement."""
    config = osp.join(REPO, 'configs', 'single_positive', 'resnet50_coco.py')
    result = script.benchmark(script.parse_args(
        [config, *SMALL, '--warmup', '0', '--device', 'cpu']))
    assert result['model'] == 'ImageClassifier'
    assert result['num_classes'] == 80
    assert result['ms']['image tower'] > 0
    assert result['saved_mib']['image tower'] > 1


def test_fresh_process_bf16_json_and_table(script, tmp_path, capsys):
    out = tmp_path / 'out.json'
    result = script.main([demo('dualcoop_shapes.py'), *SMALL, '--device',
                          'cpu', '--amp', 'bf16', '--channels-last',
                          '--json', str(out)])
    assert json.load(open(out)) == result
    assert set(result['ms']) == set(script.SEGMENTS)
    # the throughput is the batch over the step's time, which is the sum
    # of its segments
    assert result['total_ms'] == pytest.approx(sum(result['ms'].values()))
    assert result['images_per_s'] == pytest.approx(
        1000 * result['batch_size'] / result['total_ms'])
    assert result['batch_size'] == 2 and result['image_size'] == 64
    assert result['peak_memory_mib'] >= result['memory_before_steps_mib'] > 0
    diff = result['logits_vs_fp32']
    # bf16 keeps 8 significant bits: a difference, and a small one
    assert 0 < diff['max_rel'] < 0.05
    printed = capsys.readouterr().out
    assert '| dualcoop_shapes.py | bf16 |' in printed
    assert 'bf16 logits vs fp32' in printed


def test_compile_wraps_the_compiled_stages(script):
    args = script.parse_args([demo('dualcoop_shapes.py'), *SMALL,
                              '--device', 'cpu', '--compile',
                              '--compile-backend', 'eager'])
    result = script.benchmark(args)
    assert result['compile'] == 'eager' and result['saved_mib'] is None
    assert result['ms']['image tower'] > 0


def test_default_image_size_is_the_train_pipeline_s(script):
    from mmengine.config import Config

    def size(pipeline, **fields):
        return script.config_image_size(Config(dict(
            train_dataloader=dict(dataset=dict(pipeline=pipeline)),
            **fields)))

    resize = dict(type='Resize', scale=(448, 448))
    crop = dict(type='RandomResizedCrop', scale=224)
    pack = dict(type='PackInputs')
    assert size([resize, dict(type='Resize', scale=(224, 224)), pack]) == 224
    assert size([resize, crop, pack]) == 224
    assert size([dict(type='CenterCrop', crop_size=(160, 200))]) == 200
    assert size([pack], image_size=64) == 64
    assert size([pack]) == 448


@pytest.mark.parametrize('argv, message', [
    (['--amp', 'fp16', '--device', 'cpu'], 'bfloat16 only'),
    (['--compile', '--warmup', '0', '--device', 'cpu'], 'warm-up'),
    (['--steps', '0', '--device', 'cpu'], 'at least 1'),
])
def test_bad_options_are_usage_errors(script, capsys, argv, message):
    with pytest.raises(SystemExit):
        script.parse_args([demo('dualcoop_shapes.py'), *argv])
    assert message in capsys.readouterr().err


@pytest.mark.skipif(torch.cuda.is_available(), reason='CUDA is available')
def test_cuda_without_cuda_is_a_usage_error(script, capsys):
    with pytest.raises(SystemExit):
        script.parse_args([demo('dualcoop_shapes.py'), '--device', 'cuda'])
    assert 'CUDA is not available' in capsys.readouterr().err


class _Sleeping(torch.nn.Module):
    """A stage that takes a known time and saves a known tensor."""

    def __init__(self, seconds, numel):
        super().__init__()
        self.seconds, self.numel = seconds, numel
        self.weight = torch.nn.Parameter(torch.ones(()))

    def forward(self, x):
        import time
        time.sleep(self.seconds)
        # saved for backward: the ones (by the product with the weight)
        # and the product (by sin), numel float32 values each
        return torch.sin(self.weight * torch.ones(self.numel)).sum() + x


class _ToyHead(torch.nn.Module):

    def __init__(self):
        super().__init__()
        self.layer = _Sleeping(0.3, 3000)

    def head_outputs(self, x):
        # a stage inside another counts to the outer one
        return self._get_targets(self.layer(x))

    def _get_targets(self, x):
        import time
        time.sleep(0.1)
        return x

    def _get_loss(self, x):
        return x


class _ToyModel(torch.nn.Module):
    """The stages benchmark_train_step.py looks for, each with a known
    duration and a known number of bytes saved for backward."""

    def __init__(self):
        super().__init__()
        self.image_encoder = _Sleeping(0.15, 1000)
        self.head = _ToyHead()

    def text_features(self, x):
        return x

    def forward(self, images, samples, mode='loss'):
        x = self.image_encoder(images.sum())
        x = self.head.head_outputs(self.text_features(x))
        return dict(loss=self.head._get_loss(x))

    @staticmethod
    def parse_losses(losses):
        return losses['loss'], {}


def test_stage_times_and_saved_bytes_are_what_each_stage_took(script):
    model = _ToyModel()
    clock = script.StageClock('cpu')
    clock.instrument(model)
    script.train_step(model, torch.zeros(2), None, clock, 'none', 'cpu')
    # each stage's own time, not the step's nor another stage's
    assert 0.15 <= clock.times['image tower'] < 0.15 + 0.1
    assert 0.4 <= clock.times['head'] < 0.4 + 0.1
    assert clock.times['text side'] < 0.05
    assert clock.times['loss'] < 0.05  # its sleep was inside the head's
    assert clock.times['forward'] >= 0.55
    # bytes of the tensors each stage saved for backward (the parameter
    # left out): two float32 tensors of numel values
    assert clock.saved['image tower'] == 2 * 4 * 1000
    assert clock.saved['head'] == 2 * 4 * 3000
