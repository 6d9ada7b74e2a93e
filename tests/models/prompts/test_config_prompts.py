"""Every config's prompt learner gives the same class embeddings on the
shared-prefix path as on the former path (every prompt encoded whole), on a
tiny random CLIP text tower."""
import glob
import os.path as osp

import pytest
import torch
from mmengine.config import Config

import mmpretrain_mlr  # noqa: F401
from mmpretrain_mlr.models.build import build_with_context
from mmpretrain_mlr.models.clip import CLIPTextEncoder
from mmpretrain_mlr.models.prompts import ClassEmbedder

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))
NAMES = ['person', 'traffic_light', 'x', 'a rather long name of a thing',
         'dog']


def config_prompt_learners():
    """The distinct ``model.prompt_learner`` configs of configs/."""
    found = {}
    for path in sorted(glob.glob(osp.join(ROOT, 'configs', '*', '*.py'))):
        if '_base_' in path:
            continue
        model = Config.fromfile(path).get('model', {})
        learner = model.get('prompt_learner')
        if learner is None and model.get('type') == 'CLIPPromptClassifier':
            learner = dict(type='DualCoOpPromptLearner')  # the default
        if learner is not None:
            found.setdefault(repr(sorted(learner.items())),
                             (osp.relpath(path, ROOT), dict(learner)))
    return list(found.values())


LEARNERS = config_prompt_learners()


def test_configs_were_found():
    kinds = {cfg['type'] for _, cfg in LEARNERS}
    assert {'DualCoOpPromptLearner', 'FixedPromptLearner'} <= kinds


@pytest.mark.parametrize('config,learner_cfg', LEARNERS,
                         ids=[c for c, _ in LEARNERS])
def test_same_embeddings_as_encoding_every_prompt_whole(
        tiny_vit_clip, config, learner_cfg):
    model, tokenizer = tiny_vit_clip
    torch.manual_seed(0)
    # the classifier's context: token width and vocabulary size
    learner = build_with_context(dict(learner_cfg), ctx_dim=64,
                                 num_classes=len(NAMES))
    if learner.learnable:  # contexts far from their N(0, 0.02) start
        with torch.no_grad():
            learner.ctx.normal_(0, 0.5)
    outputs, grads = [], []
    for shared_prefix in (False, True):
        encoder = CLIPTextEncoder(clip_model=model, tokenizer=tokenizer,
                                  shared_prefix=shared_prefix)
        embeds = ClassEmbedder(encoder, learner, NAMES)()
        outputs.append(embeds.detach())
        if learner.learnable:
            learner.ctx.grad = None
            weights = torch.randn(embeds.shape,
                                  generator=torch.Generator().manual_seed(1))
            (embeds * weights).sum().backward()
            grads.append(learner.ctx.grad.clone())
    assert (outputs[0] - outputs[1]).abs().max() <= 1e-5
    if grads:
        assert (grads[1] - grads[0]).norm() <= 1e-5 * grads[0].norm()
