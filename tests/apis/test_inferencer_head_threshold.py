"""MultiLabelInferencer's default label set uses the head's own threshold:
SigRL scores in [-1, 1] with threshold 0 (not a sigmoid's 0.5), and a
TRM-ML head configured with another threshold than 0.5."""
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmpretrain_mlr.apis import MultiLabelInferencer
from tests.models.conftest import VIT_ARCH

NAMES = ['red circle', 'blue square', 'green triangle', 'yellow circle',
         'purple star', 'white square']


def config(head):
    return Config(dict(
        model=dict(type='CLIPPromptClassifier', class_names=NAMES,
                   clip=dict(arch=VIT_ARCH, quick_gelu=True),
                   prompt_learner=dict(type='FixedPromptLearner'),
                   head=head),
        test_dataloader=dict(dataset=dict(
            type='ShapesMultiLabel', image_size=64,
            pipeline=[dict(type='PackInputs')]))))


@pytest.fixture(scope='module')
def images():
    rng = np.random.RandomState(0)
    return [rng.randint(0, 256, (64, 64, 3), dtype=np.uint8)
            for _ in range(3)]


def check_default_labels(inferencer, images, thr):
    """The labels without ``thr`` are the classes scoring at least
    ``thr``; returns all scores, to check that they straddle 0.5."""
    results = inferencer(images, batch_size=3)
    scores = []
    for res in results:
        expected = {n for n, s in res['scores'].items() if s >= thr}
        assert set(res['labels']) == expected
        scores += list(res['scores'].values())
    return np.array(scores)


def test_sigrl_head_threshold_zero_on_scores_in_minus_one_one(images):
    torch.manual_seed(0)
    inferencer = MultiLabelInferencer(config(dict(
        type='SigRLHead', topk=4, distillation_weight=0.)))
    assert inferencer.model.head.threshold == 0
    scores = check_default_labels(inferencer, images, 0.)
    assert scores.min() >= -1 and scores.max() <= 1
    # classes scoring in [0, 0.5): labels at 0, not at 0.5
    assert ((scores >= 0) & (scores < 0.5)).any()


def test_a_configured_head_threshold(images):
    torch.manual_seed(0)
    inferencer = MultiLabelInferencer(config(dict(
        type='TRMHead', logit_scale=5., threshold=0.7)))
    scores = check_default_labels(inferencer, images, 0.7)
    assert ((scores >= 0.5) & (scores < 0.7)).any()
