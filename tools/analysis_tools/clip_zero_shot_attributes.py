"""What a CLIP tells apart on the shapes scenes: colour, shape, or both.

Scores the scenes with the CLIP alone (fixed prompts, no training: the
model of ``configs/demo/zero_shot_scenes.py`` by default) and prints, per
colour and per shape, three mean APs over the classes involved:

- ``all``: each class's AP over every image;
- ``shape``: each class's AP over the images that hold its colour (in any
  object), so colour alone cannot rank them: what is left is shape;
- ``colour``: each class's AP over the images that hold its shape, so what
  is left is colour.

A CLIP that learnt colour but not shape scores ``shape`` near the
prevalence:

    python tools/analysis_tools/clip_zero_shot_attributes.py
    python tools/analysis_tools/clip_zero_shot_attributes.py \
        --cfg-options model.clip.pretrained=work_dirs/scenes_clip/open_clip.pth
"""
import argparse
import os.path as osp
import sys
from collections import defaultdict
from typing import Dict, List, Sequence

import numpy as np
import torch
from mmengine.config import Config, DictAction

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import mmpretrain_mlr  # noqa: E402,F401
from mmpretrain.registry import DATASETS, MODELS  # noqa: E402
from mmengine.registry import init_default_scope  # noqa: E402
from mmengine.utils import ProgressBar  # noqa: E402
from mmpretrain_mlr.evaluation.average_precision import \
    per_class_average_precision  # noqa: E402

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
DEFAULT_CONFIG = osp.join(REPO_ROOT, 'configs', 'demo',
                          'zero_shot_scenes.py')


def attribute_aps(scores: np.ndarray, labels: np.ndarray,
                  classes: Sequence[str],
                  image_attributes: List[set]) -> Dict[str, np.ndarray]:
    """Per-class AP over all images and over the images that hold the
    class's colour (``shape``) or its shape (``colour``).

    Args:
        scores (np.ndarray): [N, C] scores.
        labels (np.ndarray): [N, C] bool, class present.
        classes (Sequence[str]): C 'colour shape' names.
        image_attributes (list[set]): per image, the colours and shapes of
            its objects.

    Returns:
        dict: ``all``, ``shape``, ``colour``: [C] APs in % (NaN where a
        class has no positive among the images kept).
    """
    targets = np.where(labels, 1, -1)
    result = {'all': 100 * per_class_average_precision(scores, targets)}
    for kind, keep_index in (('shape', 0), ('colour', 1)):
        aps = np.full(len(classes), np.nan)
        for c, name in enumerate(classes):
            attribute = name.split(' ')[keep_index]
            kept = np.array([attribute in a for a in image_attributes])
            if labels[kept, c].any():
                aps[c] = 100 * per_class_average_precision(
                    scores[kept][:, [c]], targets[kept][:, [c]])[0]
        result[kind] = aps
    return result


def group_rows(aps: Dict[str, np.ndarray],
               classes: Sequence[str]) -> List[tuple]:
    """(group, all, shape, colour) mean APs per colour and per shape."""
    groups = defaultdict(list)
    for c, name in enumerate(classes):
        colour, shape = name.split(' ')
        groups[colour].append(c)
        groups[shape].append(c)
    rows = [('all classes', ) + tuple(
        float(np.nanmean(aps[k])) for k in ('all', 'shape', 'colour'))]
    for group, columns in groups.items():
        rows.append((group, ) + tuple(
            float(np.nanmean(aps[k][columns]))
            for k in ('all', 'shape', 'colour')))
    return rows


def scene_batches(cfg: Config, model, split: str, num_images: int,
                  batch_size: int = 50):
    """Batches of the first ``num_images`` scenes of ``split``, through the
    config's test pipeline and the model's data preprocessor.

    Yields:
        tuple: the dataset, the batch's indices, and the preprocessed
        batch (``inputs``, ``data_samples``).
    """
    dataset_cfg = cfg.val_dataloader.dataset.copy()
    dataset_cfg.update(split=split, num_images=num_images,
                       cache_images=False)
    dataset = DATASETS.build(dataset_cfg)
    progress = ProgressBar(len(dataset))
    for start in range(0, len(dataset), batch_size):
        indices = range(start, min(start + batch_size, len(dataset)))
        items = [dataset[i] for i in indices]
        yield dataset, indices, model.data_preprocessor(
            dict(inputs=[x['inputs'] for x in items],
                 data_samples=[x['data_samples'] for x in items]), False)
        for _ in indices:
            progress.update()


def score_scenes(cfg: Config, num_images: int):
    """Scores, labels and image attributes of the config's val split."""
    init_default_scope('mmpretrain')
    model = MODELS.build(cfg.model).eval()
    scores, labels, attributes = [], [], []
    for dataset, indices, data in scene_batches(cfg, model, 'val',
                                                num_images):
        with torch.no_grad():
            out = model(data['inputs'], data['data_samples'], mode='predict')
        scores += [s.pred_score.double().numpy() for s in out]
        for k in indices:
            info = dataset.get_data_info(k)
            labels.append(info['full_label'] == 1)
            attributes.append({o['colour'] for o in info['objects']}
                              | {o['shape'] for o in info['objects']})
    return (np.stack(scores), np.stack(labels), attributes,
            list(dataset.CLASSES))


def parse_scenes_args(description: str, argv=None, **counts: int):
    """The arguments of a CLIP-alone scenes tool: the config, one integer
    option per ``counts`` item (its default), ``--cfg-options``.

    Returns:
        tuple: the parsed arguments and the config, options merged.
    """
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG,
                        help='a CLIP-alone config on ShapesScenes (default: '
                        'configs/demo/zero_shot_scenes.py)')
    for name, default in counts.items():
        parser.add_argument('--' + name.replace('_', '-'), type=int,
                            default=default)
    parser.add_argument('--cfg-options', nargs='+', action=DictAction)
    args = parser.parse_args(argv)
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    return args, cfg


def main(argv=None):
    args, cfg = parse_scenes_args(__doc__.split('\n\n')[0], argv,
                                  num_images=1000)
    scores, labels, attributes, classes = score_scenes(cfg, args.num_images)
    rows = group_rows(attribute_aps(scores, labels, classes, attributes),
                      classes)
    lines = ['| classes | mAP, all images | shape (images with the colour) '
             '| colour (images with the shape) |', '|---|---|---|---|']
    lines += [f'| {g} | {a:.1f} | {s:.1f} | {c:.1f} |' for g, a, s, c in rows]
    print('\n' + '\n'.join(lines))
    return rows


if __name__ == '__main__':
    main()
