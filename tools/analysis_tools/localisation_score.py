"""Score class heatmaps against the object masks of the shapes scenes.

For each checkpoint of a model whose head draws class heatmaps (DualCoOp,
TRM-ML), the share of (image, present class) pairs whose heatmap peak lies
in a cell holding a visible pixel of that class, next to the uniform-map
baseline, overall and by object size (see
:mod:`mmpretrain_mlr.evaluation.localisation`):

    python tools/analysis_tools/localisation_score.py \
        configs/demo/dualcoop_scenes.py \
        work_dirs/demo/dualcoop_scenes/epoch_12.pth \
        configs/demo/trm_ml_scenes.py \
        work_dirs/demo/trm_ml_scenes/epoch_12.pth

The images are the config's test split (a ``ShapesScenes`` dataset, which
keeps every object's mask). Prints a markdown table; ``--out`` writes it.
"""
import argparse
import os.path as osp
import sys

from mmengine.config import Config
from mmengine.utils import ProgressBar

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import mmpretrain_mlr  # noqa: E402,F401
from mmpretrain.registry import DATASETS  # noqa: E402
from mmpretrain_mlr.apis import MultiLabelInferencer  # noqa: E402
from mmpretrain_mlr.evaluation.localisation import (  # noqa: E402
    pointing_pairs, summarise_pointing)


def score_model(config: str, checkpoint: str, num_images: int,
                batch_size: int = 16) -> list:
    """Pointing pairs of one model on the first ``num_images`` test
    images of its config."""
    cfg = Config.fromfile(config)
    dataset_cfg = cfg.test_dataloader.dataset.copy()
    if dataset_cfg.get('type') != 'ShapesScenes':
        raise ValueError(f'{config}: test_dataloader.dataset.type is '
                         f"{dataset_cfg.get('type')!r}; localisation needs "
                         "'ShapesScenes' (it keeps the object masks)")
    dataset_cfg.update(pipeline=[], with_object_map=False)
    dataset = DATASETS.build(dataset_cfg)
    inferencer = MultiLabelInferencer(config, checkpoint, device='cpu')
    count = min(num_images, len(dataset))
    pairs = []
    progress = ProgressBar(count)
    for start in range(0, count, batch_size):
        indices = range(start, min(start + batch_size, count))
        images = [dataset.render(i)[0] for i in indices]  # BGR arrays
        samples = inferencer(images, heatmaps=True, return_datasamples=True,
                             batch_size=batch_size)
        for i, sample in zip(indices, samples):
            pairs += pointing_pairs(sample.heatmaps.numpy(),
                                    dataset.class_masks(i))
            progress.update()
    return pairs


def format_rows(name: str, rows: list) -> list:
    return [
        f"| {name} | {row['name']} | {row['pairs']} | "
        f"{row['hit_rate']:.1f} | {row['uniform']:.1f} |" for row in rows
    ]


def model_names(configs: list) -> list:
    """A row label per config: its file name without ``.py``, or, when
    several share it (e.g. the ``config.py`` of each work dir), the name of
    its folder."""
    stems = [osp.splitext(osp.basename(c))[0] for c in configs]
    return [
        stem if stems.count(stem) == 1 else
        osp.basename(osp.dirname(osp.abspath(config)))
        for stem, config in zip(stems, configs)
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument(
        'models', nargs='+',
        help='pairs of CONFIG CHECKPOINT (a head with class_heatmaps)')
    parser.add_argument('--num-images', type=int, default=500,
                        help='test images scored (default: 500)')
    parser.add_argument('--out', help='also write the table here')
    args = parser.parse_args(argv)
    if len(args.models) % 2:
        parser.error('give CONFIG CHECKPOINT pairs, got an odd number of '
                     f'paths: {args.models}')
    if args.num_images < 1:
        parser.error(f'--num-images must be >= 1, got {args.num_images}')
    lines = [
        '| model | objects | pairs | peak in object (%) | uniform map (%) |',
        '|---|---|---|---|---|'
    ]
    configs, checkpoints = args.models[::2], args.models[1::2]
    for name, config, checkpoint in zip(model_names(configs), configs,
                                        checkpoints):
        pairs = score_model(config, checkpoint, args.num_images)
        lines += format_rows(name, summarise_pointing(pairs))
    table = '\n'.join(lines)
    print('\n' + table)
    if args.out:
        with open(args.out, 'w') as f:
            f.write(table + '\n')
    return table


if __name__ == '__main__':
    main()
