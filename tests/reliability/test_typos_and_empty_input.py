"""Typos in options and input that leaves nothing to do are errors."""
import re

import pytest

from mmpretrain_mlr.engine.hooks import NoKnownLabelsError

SHAPES_CONFIG = '''
_base_ = {base!r}
model = dict(
    data_preprocessor=dict(num_classes=10, mean=[127.5] * 3,
                           std=[127.5] * 3),
    backbone=dict(_delete_=True, type='ResNet', depth=18, num_stages=1,
                  out_indices=(0, ), strides=(1, ), dilations=(1, )),
    head=dict(type='MultiLabelLinearClsHead', num_classes=10,
              in_channels=64, _delete_=True))
train_dataloader = dict(dataset=dict(
    _delete_=True, type='ShapesMultiLabel', num_images=40, image_size=32,
    split='train', label_protocol=dict(type='PartialLabels', p={p}),
    pipeline=[dict(type='PackInputs', algorithm_keys=('observed_label', ))]))
'''


@pytest.mark.parametrize('tool, option, expected', [
    ('train', 'train_cfgg.max_epochs=1', "no field 'train_cfgg'; did you "
     "mean 'train_cfg'?"),
    ('test', 'test_dataloder.batch_size=2', "did you mean 'test_dataloader'"),
    ('train', 'train_cfg.max_epochs=three', 'train_cfg.max_epochs='),
    ('train', 'train_cfg.max_epochs=[1', 'train_cfg.max_epochs='),
    ('train', 'train_cfg.max_epochs', "'train_cfg.max_epochs': expected "
     'KEY=VALUE'),
])
def test_cfg_option_typos_are_errors(load_tool, rel_config, uninterrupted,
                                     capsys, tool, option, expected):
    checkpoint = str(uninterrupted / 'epoch_1.pth')
    argv = [str(rel_config)] + ([checkpoint] if tool == 'test' else [])
    with pytest.raises(SystemExit) as info:
        load_tool(tool).main(argv + ['--cfg-options', option])
    assert info.value.code == 2
    assert expected in capsys.readouterr().err


def test_resume_with_nothing_to_resume(load_tool, rel_config, capsys,
                                       tmp_path):
    with pytest.raises(SystemExit) as info:
        load_tool('train').main(
            [str(rel_config), '--work-dir', str(tmp_path), '--resume'])
    assert info.value.code == 2
    assert f'nothing to resume in {str(tmp_path)!r}' in capsys.readouterr().err


@pytest.mark.parametrize('p, outcome', [(1e-9, 'error'), (0.008, 'warning')])
def test_label_protocol_without_known_labels(load_tool, rel_config, tmp_path,
                                             capsys, p, outcome):
    config = tmp_path / 'shapes.py'
    config.write_text(SHAPES_CONFIG.format(base=str(rel_config), p=p))
    # a run name of its own: a runner started in the same second as an
    # earlier in-process one would reuse that run's logger (and its stream)
    argv = [str(config), '--work-dir', str(tmp_path / 'work'),
            '--no-validate', '--cfg-options', 'train_cfg.max_epochs=1',
            'train_dataloader.batch_size=20',
            f'experiment_name=no_known_labels_{outcome}_{tmp_path.name}']
    if outcome == 'error':
        with pytest.raises(NoKnownLabelsError, match=r'no known label \(0 '
                           'of 400 entries\\)'):
            load_tool('train').main(argv)
    else:
        load_tool('train').main(argv)
        assert re.search(r'leaves only [1-3] known label entries of 400',
                         capsys.readouterr().out)
