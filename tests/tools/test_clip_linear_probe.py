"""clip_linear_probe.py: the probe on hand-made features, and the tool end
to end on the scenes CLIP's architecture (random weights)."""
import os.path as osp

import torch

TOOL = 'clip_linear_probe'
REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


def two_class_data(num, generator):
    """Class 0 present where feature 0 > 0, class 1 where feature 1 > 0;
    feature 2 is noise."""
    x = torch.randn(num, 3, generator=generator)
    return x, (x[:, :2] > 0).float()


def test_features_that_decide_the_labels_give_a_perfect_probe(script):
    g = torch.Generator().manual_seed(0)
    train_x, train_y = two_class_data(400, g)
    val_x, val_y = two_class_data(200, g)
    assert script.linear_probe_map(train_x, train_y, val_x, val_y) > 99.9


def test_features_unrelated_to_the_labels_score_their_prevalence(script):
    g = torch.Generator().manual_seed(0)
    train_x, train_y = two_class_data(400, g)
    val_x, val_y = two_class_data(2000, g)
    # labels of other images: no feature predicts them; a random ranking's
    # AP is about the prevalence (50 % here)
    shuffled = val_y[torch.randperm(2000, generator=g)]
    value = script.linear_probe_map(train_x, train_y, val_x, shuffled)
    assert 45 < value < 55


def test_the_tool_prints_the_probes_beside_the_clip_alone(script, capsys):
    rows = script.main([
        osp.join(REPO, 'configs', 'demo', 'zero_shot_scenes.py'),
        '--num-train', '30', '--num-val', '20', '--steps', '5',
        '--cfg-options', 'model.clip.pretrained=None'
    ])
    names = [name for name, _ in rows]
    assert names[0].startswith('prevalence') and len(rows) == 4
    assert all(0 <= value <= 100 for _, value in rows)
    assert 'linear probe, patches (mean, max)' in capsys.readouterr().out
