"""Small checkpoints through the real tools: train, save, resume, test,
infer with the frozen CLIP left out, and refusal of other frozen weights.

The CLIP comes from a file (an open_clip state dict of the shapes CLIP's
architecture, random weights written here), as real weights would."""
import json
import os.path as osp

import pytest
import torch

from mmpretrain_mlr.apis import MultiLabelInferencer
from mmpretrain_mlr.utils.frozen_weights import FrozenWeightsMismatchError
from tests.conftest import DEMO_CONFIG, demo_options, write_random_clip

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, DEMO_CONFIG)
TOWERS = ('text_encoder.', 'image_encoder.')


def load(path):
    return torch.load(str(path), map_location='cpu', weights_only=True)


def val_maps(work_dir):
    """The validation mAPs of the newest run in ``work_dir``."""
    scalars = sorted(work_dir.glob('*/vis_data/scalars.json'))[-1]
    records = [json.loads(line) for line in scalars.read_text().split('\n')
               if line]
    return [r['multi-label/mAP'] for r in records if 'multi-label/mAP' in r]


@pytest.fixture(scope='module')
def runs(tmp_path_factory, run_tool, demo_run):
    """The shared demo run (``whole``: 2 epochs, small checkpoints, see
    tests/conftest.py), a run of its first epoch resumed to the second with
    the frozen weights saved, and a CLIP file of other weights."""
    root = tmp_path_factory.mktemp('small_ckpt')
    other = write_random_clip(root / 'other.pt', 1)
    resumed = root / 'resumed'
    run_tool('tools/train.py', DEMO, '--work-dir', resumed,
             *demo_options(demo_run.clip, 'train_cfg.max_epochs=1'))
    run_tool('tools/train.py', DEMO, '--work-dir', resumed, '--resume',
             *demo_options(demo_run.clip, 'train_cfg.max_epochs=2',
                           'default_hooks.frozen_weights.save_frozen=True'))
    return dict(clip=demo_run.clip, other=other, whole=demo_run.work_dir,
                resumed=resumed, root=root)


def test_checkpoints_leave_out_the_frozen_towers(runs):
    checkpoint = load(runs['whole'] / 'epoch_2.pth')
    record = checkpoint['meta']['frozen_weights']
    assert record['source'] == dict(clip=dict(
        arch=record['source']['clip']['arch'], pretrained=runs['clip']))
    assert not [k for k in checkpoint['state_dict'] if k.startswith(TOWERS)]
    assert 'prompt_learner.ctx' in checkpoint['state_dict']
    # with the towers in it, the checkpoint would hold the CLIP's tensors
    clip = torch.load(runs['clip'], weights_only=True)
    full_size = osp.getsize(runs['whole'] / 'epoch_2.pth') + sum(
        v.numel() * v.element_size() for v in clip.values())
    assert full_size >= 20 * osp.getsize(runs['whole'] / 'epoch_2.pth')


def test_resume_from_a_small_checkpoint_continues_exactly(runs):
    # epoch 2 of the resumed run, saved with save_frozen=True: every key
    whole = load(runs['whole'] / 'epoch_2.pth')['state_dict']
    resumed = load(runs['resumed'] / 'epoch_2.pth')
    assert 'frozen_weights' not in resumed['meta']
    for key, value in whole.items():
        assert torch.equal(resumed['state_dict'][key], value), key
    clip = torch.load(runs['clip'], weights_only=True)
    towers = {k: v for k, v in resumed['state_dict'].items()
              if k.startswith('image_encoder.visual.')}
    assert towers and all(
        torch.equal(v, clip[k[len('image_encoder.'):]])
        for k, v in towers.items())
    assert val_maps(runs['whole'])[-1] == val_maps(runs['resumed'])[-1]


# tools/test.py on the shared run's small checkpoint (the towers restored
# from the CLIP file): tests/configs/test_demo_config.py


def test_test_tool_refuses_other_frozen_weights(runs, run_tool):
    checkpoint = runs['whole'] / 'epoch_2.pth'
    proc = run_tool('tools/test.py', DEMO, checkpoint, '--work-dir',
                    runs['root'] / 'wrong', *demo_options(runs['other']),
                    check=False)
    assert proc.returncode != 0
    assert 'FrozenWeightsMismatchError' in proc.stderr
    assert str(checkpoint) in proc.stderr and runs['other'] in proc.stderr


def test_inferencer_loads_small_checkpoints_and_checks_them(runs):
    checkpoint = str(runs['whole'] / 'epoch_2.pth')
    cfg_options = {'model.clip.pretrained': runs['clip']}
    inferencer = MultiLabelInferencer(DEMO, checkpoint,
                                      cfg_options=cfg_options)
    saved = load(checkpoint)['state_dict']
    assert torch.equal(inferencer.model.prompt_learner.ctx,
                       saved['prompt_learner.ctx'])
    with pytest.raises(FrozenWeightsMismatchError):
        MultiLabelInferencer(DEMO, checkpoint, cfg_options={
            'model.clip.pretrained': runs['other']})
