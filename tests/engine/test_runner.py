"""PortableRunner under mmpretrain's own upstream tools/train.py: two CPU
processes with --launcher pytorch (torchrun), --amp falling back to
float32, and the other default work dirs."""
import os
import os.path as osp
import subprocess
import sys

import mmpretrain
import pytest
import torch
from mmengine.config import Config

from mmpretrain_mlr.utils.work_dirs import default_work_dir

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEMO = osp.join(REPO, 'configs', 'demo', 'dualcoop_shapes.py')
UPSTREAM_TRAIN = osp.join(osp.dirname(mmpretrain.__file__), '.mim', 'tools',
                          'train.py')
# a random CLIP of the shapes CLIP's architecture, a few images, one epoch
SMALL = ['model.clip.pretrained=None',
         'train_dataloader.dataset.num_images=32',
         'val_dataloader.dataset.num_images=16',
         'test_dataloader.dataset.num_images=16', 'train_cfg.max_epochs=1',
         'default_hooks.logger.interval=1']


def test_the_default_runtime_selects_the_portable_runner():
    assert Config.fromfile(DEMO).runner_type == 'mmpretrain.PortableRunner'


@pytest.mark.skipif(not osp.isfile(UPSTREAM_TRAIN),
                    reason='this mmpretrain install ships no tools/train.py')
def test_upstream_train_tool_on_two_cpu_processes_with_amp(tmp_path,
                                                           free_port):
    env = dict(os.environ, OMP_NUM_THREADS='1', CUDA_VISIBLE_DEVICES='')
    proc = subprocess.run(
        [sys.executable, '-m', 'torch.distributed.run', '--nproc_per_node',
         '2', '--master_port', str(free_port), UPSTREAM_TRAIN, DEMO,
         '--launcher', 'pytorch', '--amp', '--work-dir', str(tmp_path),
         '--cfg-options', *SMALL],
        cwd=str(tmp_path), env=env, capture_output=True, text=True,
        timeout=600)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output[-4000:]
    assert 'Distributed training: True' in output
    assert 'AmpOptimWrapper (--amp) is ignored' in output
    [config] = tmp_path.glob('*/vis_data/config.py')
    dumped = Config.fromfile(str(config))
    assert dumped.env_cfg.dist_cfg.backend == 'gloo'
    assert dumped.optim_wrapper.type == 'OptimWrapper'  # what ran
    checkpoint = torch.load(str(tmp_path / 'epoch_1.pth'),
                            weights_only=True)
    assert checkpoint['meta']['epoch'] == 1


def test_methods_sharing_a_config_name_get_their_own_work_dirs():
    dualcoop = default_work_dir(osp.join(REPO, 'configs/dualcoop/coco.py'))
    trm_ml = default_work_dir(osp.join(REPO, 'configs/trm_ml/coco.py'))
    assert (dualcoop, trm_ml) == ('./work_dirs/dualcoop/coco',
                                  './work_dirs/trm_ml/coco')
