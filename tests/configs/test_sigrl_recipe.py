"""The SigRL zero-shot recipe as its config builds it: only ViT blocks
10-11, the tower's tail and the new modules train, learning rates decay
0.65 per block, weight decay only on parameters of two or more dimensions,
the teacher stays out of the optimizer."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config
from mmengine.optim import build_optim_wrapper
from mmengine.registry import init_default_scope
from mmpretrain.registry import MODELS

import mmpretrain_mlr  # noqa: F401
from tests.models.clip.test_blockwise_encoder import VIT_B16_SHAPED

CONFIG = osp.join(osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))), 'configs', 'sigrl', 'nuswide_zsl.py')


@pytest.fixture(scope='module')
def groups():
    cfg = Config.fromfile(CONFIG)
    init_default_scope('mmpretrain')
    cfg.model.update(class_names=['cat', 'dog', 'sky'],
                     test_class_names=['cat', 'dog', 'sky', 'sea'],
                     test_vocabularies=None)
    cfg.model.clip = dict(arch=VIT_B16_SHAPED, pretrained=None)
    cfg.model.head.topk = 2
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    wrapper = build_optim_wrapper(model, cfg.optim_wrapper)
    by_name = {g['param_name']: g for g in wrapper.optimizer.param_groups}
    return model, by_name


def test_only_blocks_10_11_the_tail_and_the_head_train(groups):
    model, by_name = groups
    visual = 'image_encoder.visual.'
    scale = {n: g['lr_scale'] for n, g in by_name.items()}
    blocks = {n.split('.')[4] for n in scale if '.resblocks.' in n}
    assert blocks == {'10', '11'}
    for name, value in scale.items():
        if '.resblocks.10.' in name:
            assert value == pytest.approx(0.65**2)
        elif '.resblocks.11.' in name:
            assert value == pytest.approx(0.65)
        else:
            assert name.startswith(('head.', visual + 'ln_post',
                                    visual + 'proj')), name
            assert value == 1.0
    assert any(n.startswith('head.graph.') for n in scale)
    assert any(n.startswith('head.reconstruction.') for n in scale)
    assert not any(n.startswith(('teacher_image_encoder', 'text_encoder'))
                   for n in scale)
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    assert trainable == set(scale)


def test_weight_decay_only_on_matrices(groups):
    model, by_name = groups
    params = dict(model.named_parameters())
    for name, group in by_name.items():
        expected = 0.05 if params[name].ndim >= 2 else 0.
        assert group['weight_decay'] == expected, name
    assert by_name['head.reconstruction.decouple.bias']['weight_decay'] == 0
    assert by_name['head.reconstruction.decouple.weight'][
        'weight_decay'] == 0.05
