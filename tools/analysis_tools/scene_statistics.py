"""Print the realised statistics of a multi-label dataset next to COCO's and
VOC's published ones.

    # ShapesScenes, val split, 2000 images
    python tools/analysis_tools/scene_statistics.py
    python tools/analysis_tools/scene_statistics.py --num-images 5000 \
        --split train
    # any dataset on disk
    python tools/analysis_tools/scene_statistics.py \
        --config configs/trm_ml/voc07.py --split train

Label statistics (cardinality, prevalence per class, co-occurrence) come
from the label matrix of any dataset; object statistics (objects per image,
sizes, occlusion) from the object specs of ``ShapesScenes``.

Published figures: COCO 2014 train (82,081 images, 80 classes), label
cardinality 2.9 (as reported in the multi-label literature, e.g. ML-GCN);
COCO's instance size shares (small: area < 32^2 px, about 0.3 % of a
640 x 480 image: 41 %; medium: up to 96^2 px, about 3 %: 34 %; large: 24 %,
from COCO's detection evaluation page). VOC 2007 trainval (5,011 images, 20
classes): 7,306 (image, class) positives, cardinality 1.46, most frequent
class person in 40.1 % of the images, least frequent sheep in 1.9 % (the
development kit's per-class image counts).
"""
import argparse
import os.path as osp
import sys
from typing import Dict, Sequence

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.abspath(__file__))))
import mmpretrain_mlr  # noqa: E402,F401
from mmpretrain.registry import DATASETS  # noqa: E402

PUBLISHED = {
    'COCO 2014 train': dict(images=82081, classes=80, cardinality=2.9,
                            small_share=41.0, large_share=24.0),
    'VOC 2007 trainval': dict(images=5011, classes=20, cardinality=1.46,
                              max_prevalence=40.1, min_prevalence=1.9,
                              max_min_ratio=20.9),
}
# COCO's size thresholds as shares of a 640 x 480 image
SMALL_AREA, LARGE_AREA = 32**2 / (640 * 480), 96**2 / (640 * 480)


def label_statistics(labels: np.ndarray) -> Dict[str, float]:
    """Cardinality, prevalence and co-occurrence of a label matrix.

    Args:
        labels (np.ndarray): [N, C] bool, True where the class is present.

    Returns:
        dict: ``images``, ``classes``, ``cardinality`` (mean positives per
        image), ``min_positives`` / ``max_positives`` per image,
        ``max_prevalence`` / ``min_prevalence`` (% of images, over classes
        with a positive), ``max_min_ratio``, ``pairs_lift_2`` (% of class
        pairs seen together at least 5 times whose co-occurrence is at least
        twice what independent classes would give) and ``mean_phi`` (mean
        phi coefficient over those pairs).
    """
    labels = np.asarray(labels, bool)
    n, c = labels.shape
    card = labels.sum(1)
    prevalence = labels.mean(0)  # [C]
    present = prevalence[prevalence > 0]
    x = labels.astype(np.float64)
    joint = x.T @ x / n  # [C, C] P(a and b)
    upper = np.triu_indices(c, 1)
    together = (x.T @ x)[upper]
    pa, pb = prevalence[upper[0]], prevalence[upper[1]]
    pab = joint[upper]
    seen = together >= 5
    lift = pab[seen] / (pa[seen] * pb[seen])
    phi = (pab - pa * pb) / np.sqrt(pa * (1 - pa) * pb * (1 - pb) + 1e-12)
    return dict(
        images=n,
        classes=c,
        cardinality=float(card.mean()),
        min_positives=int(card.min()),
        max_positives=int(card.max()),
        max_prevalence=100 * float(present.max()),
        min_prevalence=100 * float(present.min()),
        max_min_ratio=float(present.max() / present.min()),
        pairs_lift_2=100 * float((lift >= 2).mean()) if seen.any() else 0.,
        mean_phi=float(phi[seen].mean()) if seen.any() else 0.)


def object_statistics(objects_per_image: Sequence[Sequence[dict]],
                      image_area: float) -> Dict[str, float]:
    """Objects per image, visible sizes and occlusion of scene specs.

    Args:
        objects_per_image (Sequence[Sequence[dict]]): Each image's objects
            with ``class_idx`` (-1: distractor), ``area`` (pixels of the full
            mask) and ``visible`` (visible share).
        image_area (float): Pixels per image.

    Returns:
        dict: ``objects`` (mean class objects per image), ``min_objects``,
        ``max_objects``, ``distractors`` (mean per image), ``area_q10`` ...
        ``area_q90`` (visible area quantiles, % of the image), ``small_share``
        / ``large_share`` (% of class objects under / over COCO's small /
        large thresholds) and ``occluded`` (% of class objects less than 95 %
        visible).
    """
    counts = np.array([sum(o['class_idx'] >= 0 for o in objects)
                       for objects in objects_per_image])
    distractors = np.array([sum(o['class_idx'] < 0 for o in objects)
                            for objects in objects_per_image])
    objs = [o for objects in objects_per_image for o in objects
            if o['class_idx'] >= 0]
    area = np.array([o['area'] * o['visible'] for o in objs]) / image_area
    visible = np.array([o['visible'] for o in objs])
    stats = dict(
        objects=float(counts.mean()),
        min_objects=int(counts.min()),
        max_objects=int(counts.max()),
        distractors=float(distractors.mean()),
        small_share=100 * float((area < SMALL_AREA).mean()),
        large_share=100 * float((area >= LARGE_AREA).mean()),
        occluded=100 * float((visible < 0.95).mean()))
    for q in (10, 25, 50, 75, 90):
        stats[f'area_q{q}'] = 100 * float(np.quantile(area, q / 100))
    return stats


def format_table(columns: Dict[str, dict]) -> str:
    """Markdown table: one row per statistic, one column per dataset."""
    keys = []
    for stats in columns.values():
        keys += [k for k in stats if k not in keys]
    lines = ['| statistic | ' + ' | '.join(columns) + ' |',
             '|---' * (len(columns) + 1) + '|']
    for key in keys:
        cells = []
        for stats in columns.values():
            value = stats.get(key)
            cells.append('' if value is None else
                         f'{value:.3g}' if isinstance(value, float) else
                         str(value))
        lines.append(f'| {key} | ' + ' | '.join(cells) + ' |')
    return '\n'.join(lines)


def build_dataset(args):
    if args.config:
        from mmengine.config import Config
        cfg = Config.fromfile(args.config)
        dataset_cfg = cfg[f'{args.split}_dataloader'].dataset.copy()
    else:
        dataset_cfg = dict(type='ShapesScenes', num_images=args.num_images,
                           split=args.split, seed=args.seed)
    dataset_cfg.update(pipeline=[], label_protocol=None)
    return DATASETS.build(dataset_cfg)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--config', help='a config whose dataset to measure '
                        '(default: ShapesScenes with its defaults)')
    parser.add_argument('--split', default='val',
                        help="'train', 'val' or 'test' (default: val)")
    parser.add_argument('--num-images', type=int, default=2000,
                        help='ShapesScenes images (default: 2000)')
    parser.add_argument('--seed', type=int, default=0,
                        help='ShapesScenes seed (default: 0)')
    args = parser.parse_args(argv)
    dataset = build_dataset(args)
    labels = np.stack([dataset.get_data_info(i)['full_label'] == 1
                       for i in range(len(dataset))])
    stats = label_statistics(labels)
    info = dataset.get_data_info(0)
    if 'objects' in info and 'visible' in info['objects'][0]:
        height, width = info['img_shape']
        stats.update(object_statistics(
            [dataset.get_data_info(i)['objects'] for i in range(len(dataset))],
            height * width))
    name = (osp.basename(args.config) if args.config else
            f'ShapesScenes {args.split} (seed {args.seed})')
    table = format_table({name: stats, **PUBLISHED})
    print(table)
    return stats


if __name__ == '__main__':
    main()
