"""label_graph_attention.py: co-occurrence and lift of a label matrix,
Spearman's rank correlation with ties (by hand), and the tool on the SigRL
scenes config reading a checkpoint's graph."""
import os.path as osp

import numpy as np
import pytest
import torch

TOOL = 'label_graph_attention'  # the `script` fixture (conftest.py)
SIGRL_SCENES = osp.join(osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))), 'configs', 'demo', 'sigrl_scenes_zsl.py')


def test_cooccurrence_and_lift_by_hand(script):
    # 4 images, 3 classes; -1 absent, 0 unknown (not present)
    labels = np.array([[1, 1, -1],
                       [1, -1, 1],
                       [1, 1, 0],
                       [-1, 1, -1]])
    cond = script.conditional_cooccurrence(labels)
    # class 0 in images 0-2; class 1 in 0, 2, 3; class 2 in 1
    np.testing.assert_allclose(cond, [[1, 2 / 3, 1 / 3],
                                      [2 / 3, 1, 0],
                                      [1, 0, 1]])
    prevalence = np.array([3, 3, 1]) / 4
    np.testing.assert_allclose(script.lift(labels), cond / prevalence)
    assert np.isnan(script.conditional_cooccurrence(
        np.array([[1, -1], [1, -1]]))[1]).all()  # class 1 never present


def test_average_ranks_share_ties(script):
    np.testing.assert_allclose(script.average_ranks(np.array([3., 1, 3, 2])),
                               [3.5, 1, 3.5, 2])


def test_rowwise_spearman_by_hand(script):
    nan = np.nan
    truth = np.array([[9, 1, 2, 3, 4],     # others: 1, 2, 3, 4
                      [1, 9, 1, 2, nan],   # 1, 1, 2 (a tie); j = 4 unknown
                      [5, 5, 9, 5, 5],     # constant: nothing to rank
                      [4, 3, 2, 9, 1],
                      [1, 2, nan, nan, 9]])  # two defined: too few
    scores = np.array([[0, .1, .2, .3, .4],
                       [.1, 0, .2, .3, .9],
                       [.1, .2, 0, .3, .4],
                       [.1, .2, .3, 0, .4],
                       [.1, .2, .3, .4, 0]])
    rho = script.rowwise_spearman(scores, truth)
    assert rho[0] == pytest.approx(1.0)
    # ranks (1, 2, 3) against (1.5, 1.5, 3): cov 1.5, var 2 and 1.5
    assert rho[1] == pytest.approx(1.5 / np.sqrt(2 * 1.5))
    assert np.isnan(rho[2]) and np.isnan(rho[4])
    assert rho[3] == pytest.approx(-1.0)


def test_row_spread_by_hand(script):
    alike = np.array([[9, 1, 3], [1, 9, 3], [1, 3, 9]])  # after the diagonal
    # rows (0, .25, .75), (.25, 0, .75), (.25, .75, 0); mean (1/6, 1/3, 1/2)
    # TV: (1/6 + 1/12 + 1/4) / 2 = 1/4, (1/12 + 1/3 + 1/4) / 2 = 1/3,
    #     (1/12 + 5/12 + 1/2) / 2 = 1/2
    assert script.row_spread(alike) == pytest.approx((1 / 4 + 1 / 3 + 1 / 2)
                                                     / 3)
    # uniform off the diagonal: rows (0, 1/3, 1/3, 1/3) etc., mean 1/4
    # each; TV (1/4 + 3 / 12) / 2 = 1/4 = 1/C, the floor
    assert script.row_spread(np.ones((4, 4))) == pytest.approx(0.25)
    # a row's scale does not count: (0, 2, 2), (1, 0, 1), (5, 5, 0) -> 1/3
    assert script.row_spread(np.array([[0, 2, 2], [1, 0, 1], [5, 5, 0]])) \
        == pytest.approx(1 / 3)
    # a row of zeros is left out: (0, .5, .5), (.5, .5, 0); mean
    # (.25, .5, .25); TV .25 each
    assert script.row_spread(np.array([[0, 1, 1], [0, 0, 0], [1, 1, 0]])) \
        == pytest.approx(0.25)


def test_distance_from_uniform_by_hand(script):
    # uniform off the diagonal, whatever the diagonal holds: 0
    assert script.distance_from_uniform(np.ones((4, 4)) + 5 * np.eye(4)) \
        == pytest.approx(0.)
    # every row puts all its weight on class 2 (row 2 on class 0): rows
    # (0, 0, 1), (0, 0, 1), (1, 0, 0) against (0, .5, .5), (.5, 0, .5),
    # (.5, .5, 0): TV 1/2 each; the rows are far from uniform, and the
    # first two are alike
    same_target = np.array([[0, 0, 1], [0, 0, 1], [1, 0, 0]])
    assert script.distance_from_uniform(same_target) == pytest.approx(0.5)
    # (0, .25, .75): TV from (0, .5, .5) is (.25 + .25) / 2 = .25; a row
    # of zeros is left out
    assert script.distance_from_uniform(
        np.array([[0, 1, 3], [0, 0, 0], [1, 1, 0]])) == pytest.approx(
            (0.25 + 0.) / 2)


def test_the_tool_reads_the_trained_graph(script, tmp_path):
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    init_default_scope('mmpretrain')
    small = ['train_dataloader.dataset.num_images=600']
    cfg = Config.fromfile(SIGRL_SCENES)
    model = script.build_model(cfg, None)
    with torch.no_grad():  # a graph unlike its initialisation
        for param in model.head.graph.parameters():
            param.mul_(-3.0)
    checkpoint = str(tmp_path / 'graph.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, checkpoint)

    rows = script.main([SIGRL_SCENES, checkpoint, '--out-dir',
                        str(tmp_path / 'out'), '--cfg-options', *small])
    sources = [r['source'] for r in rows]
    assert sources == ['class embeddings: cosine similarity',
                       'graph as built: layer 1', 'graph as built: layer 2',
                       'graph trained: layer 1', 'graph trained: layer 2']
    # the trained rows are those of the changed graph, scored here anew
    names = list(cfg.model.class_names)
    embeds = script.class_embeddings(model, names)
    trained = script.attention_matrices(model.eval(), embeds)
    cfg.merge_from_dict({small[0].split('=')[0]: 600})
    labels = script.build_labels(cfg.train_dataloader.dataset, names)
    rho = script.rowwise_spearman(trained['layer 1'],
                                  script.lift(labels))
    assert rows[3]['lift'][0] == pytest.approx(np.nanmean(rho))
    assert rows[3]['lift'] != rows[1]['lift']
    assert rows[0]['lift'][2] >= len(names) - 2  # nearly every class
    assert (tmp_path / 'out' / 'graph_attention.png').stat().st_size > 0
    assert (tmp_path / 'out' / 'graph_attention.md').read_text().startswith(
        '| matrix |')
