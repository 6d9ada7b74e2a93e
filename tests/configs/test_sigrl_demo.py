"""The SigRL zero-shot shapes demo through the stock tools, small: training
logs both loss terms, and tools/test.py on its checkpoint prints ZSL (the
unseen vocabulary scored on its own) and GZSL F1@3, F1@5 and mAP,
reproducing the last validation figures.

A random tiny CLIP stands in for the shapes CLIP (nothing to build)."""
import json
import re

DEMO = 'configs/demo/sigrl_shapes_zsl.py'
FIGURES = [f'{split}/{name}' for split in ('zsl', 'gzsl')
           for name in ('F1@3', 'F1@5', 'mAP')]
OPTIONS = [
    '--cfg-options', 'model.clip.pretrained=None',
    'train_dataloader.dataset.num_images=64',
    'val_dataloader.dataset.num_images=48',
    'test_dataloader.dataset.num_images=48',
    'train_dataloader.batch_size=16', 'train_cfg.max_epochs=2',
    'param_scheduler.1.end=2', 'default_hooks.logger.interval=1',
]


def printed_figures(text):
    """The last ``Epoch(test)`` / ``Epoch(val)`` line's figures."""
    lines = [line for line in text.splitlines()
             if 'Epoch(test)' in line or 'Epoch(val)' in line]
    return {key: float(value) for key, value in re.findall(
        r'([\w/@-]+): (-?[\d.]+)', lines[-1])}


def test_train_then_test_prints_zsl_and_gzsl(tmp_path, run_tool):
    run_tool('tools/train.py', DEMO, '--work-dir', tmp_path, *OPTIONS)
    rows = [json.loads(line) for line in next(
        tmp_path.glob('*/vis_data/scalars.json')).read_text().splitlines()]
    train_rows = [r for r in rows if 'loss_cls' in r]
    assert train_rows and all('loss_kd' in r for r in train_rows)
    last_val = [r for r in rows if 'zsl/mAP' in r][-1]

    out = run_tool('tools/test.py', DEMO, tmp_path / 'epoch_2.pth',
                   '--work-dir', tmp_path / 'test', *OPTIONS)
    figures = printed_figures(out.stdout + out.stderr)
    assert set(FIGURES) <= set(figures)
    for key in FIGURES:
        assert figures[key] == round(last_val[key], 4), key
    # ZSL and GZSL are different vocabularies: different figures
    assert figures['zsl/mAP'] != figures['gzsl/mAP']
