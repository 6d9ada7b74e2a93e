"""MultiLabelInferencer on a tiny random CLIP: label sets, scores by name,
a vocabulary at call time, heatmaps and pictures."""
import os.path as osp

import mmcv
import numpy as np
import pytest
import torch
from mmengine.config import Config

from mmpretrain_mlr.apis import MultiLabelInferencer
from tests.models.conftest import VIT_ARCH

NAMES = ['red circle', 'blue square', 'green triangle', 'yellow circle']


def config(class_specific=False):
    return Config(dict(
        model=dict(
            type='CLIPPromptClassifier', class_names=NAMES,
            clip=dict(arch=VIT_ARCH),
            prompt_learner=dict(type='DualCoOpPromptLearner', n_ctx=4,
                                class_specific=class_specific),
            head=dict(type='DualCoOpHead', logit_scale=5.)),
        test_dataloader=dict(dataset=dict(
            type='ShapesMultiLabel', image_size=64,
            pipeline=[dict(type='PackInputs')]))))


@pytest.fixture(scope='module')
def inferencer():
    torch.manual_seed(0)
    return MultiLabelInferencer(config())


@pytest.fixture(scope='module')
def images():
    rng = np.random.RandomState(0)
    return [rng.randint(0, 256, (64, 64, 3), dtype=np.uint8)
            for _ in range(2)]


def model_scores(inferencer, image):
    """The classifier's own scores of a 64 x 64 BGR image."""
    data = inferencer.model.data_preprocessor(dict(
        inputs=[torch.from_numpy(image).permute(2, 0, 1).contiguous()]))
    with torch.no_grad():
        return torch.sigmoid(inferencer.model(data['inputs']))[0]


def test_scores_by_name_and_label_sets(inferencer, images):
    results = inferencer(images, batch_size=2, topk=2)
    assert len(results) == 2
    for image, res in zip(images, results):
        expected = model_scores(inferencer, image)
        assert list(res['scores']) == NAMES
        assert np.allclose(res['pred_scores'], expected.numpy(), atol=1e-5)
        best = [NAMES[k] for k in expected.argsort(descending=True)[:2]]
        assert res['labels'] == best
    thr = float(np.median(results[0]['pred_scores']))
    res = inferencer(images[0], thr=thr)[0]
    assert set(res['labels']) == {
        n for n, s in res['scores'].items() if s >= thr}
    with pytest.raises(ValueError, match='not both'):
        inferencer(images[0], thr=0.5, topk=1)


def test_vocabulary_at_call_time(inferencer, images, tmp_path):
    default = inferencer(images[0])[0]['scores']
    res = inferencer(images[0], classes=['purple star', 'red circle'],
                     thr=0.)[0]
    assert list(res['scores']) == ['purple star', 'red circle']
    assert res['labels'] == sorted(res['scores'],
                                   key=lambda n: -res['scores'][n])
    # a class's score does not depend on the rest of the vocabulary
    assert res['scores']['red circle'] == pytest.approx(
        default['red circle'], abs=1e-5)
    names_file = tmp_path / 'names.txt'
    names_file.write_text('purple star\nred circle\n')
    again = inferencer(images[0], classes=str(names_file))[0]
    assert again['scores'] == pytest.approx(res['scores'])
    # text features: once per vocabulary
    cache = inferencer.model.class_embedder.cached_vocabularies()
    assert cache.count(('purple star', 'red circle')) == 1


def test_class_specific_contexts_refuse_other_vocabularies(images):
    inferencer = MultiLabelInferencer(config(class_specific=True))
    with pytest.raises(ValueError, match='class-specific contexts'):
        inferencer(images[0], classes=['purple star'])


def test_heatmaps_and_pictures(inferencer, images, tmp_path):
    path = str(tmp_path / 'scene.png')
    mmcv.imwrite(images[0], path)
    res = inferencer([path, images[1]], topk=2, heatmaps=True,
                     show_dir=str(tmp_path / 'vis'))
    for r in res:
        assert list(r['heatmaps']) == r['labels']
        for heatmap in r['heatmaps'].values():
            assert heatmap.shape == (8, 8)  # 64 px / patch 8
            assert (heatmap >= 0).all()
            assert heatmap.sum() == pytest.approx(1., abs=1e-5)
    picture = mmcv.imread(str(tmp_path / 'vis' / 'scene.png'))
    assert picture.shape == (256, 256 * 3, 3)  # image + 2 overlays
    assert osp.isfile(tmp_path / 'vis' / '1.png')


def test_unreadable_input_names_it(inferencer, tmp_path):
    bad = tmp_path / 'bad.png'
    bad.write_text('not an image')
    with pytest.raises(ValueError, match='bad.png'):
        inferencer(str(bad))
