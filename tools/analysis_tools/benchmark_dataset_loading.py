"""Time and memory of building COCOMultiLabel at the real train2014 scale.

Writes a synthetic ``instances_train2014.json`` with the real file's counts
(82,783 images, 604,907 annotations with polygon segmentations, 80
categories; about the real file's size), then, each in a fresh process so
peak memory is the dataset's own, builds the dataset with the partial-label
protocol: (1) computing and caching the observed labels, (2) reading the
cache back.

Example::

    python tools/analysis_tools/benchmark_dataset_loading.py
    python tools/analysis_tools/benchmark_dataset_loading.py --scale 0.1
"""
import argparse
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
import time

import numpy as np

NUM_IMAGES = 82783
NUM_ANNOTATIONS = 604907
NUM_CATEGORIES = 80
POLYGON_POINTS = 24  # x, y pairs per polygon


def write_instances(path: str, num_images: int, num_annotations: int,
                    seed: int = 0) -> None:
    """Write a COCO instances file with random images and annotations."""
    rng = np.random.RandomState(seed)
    # COCO category ids run 1..90 with gaps; any 80 distinct ids will do.
    category_ids = np.sort(rng.choice(np.arange(1, 91), NUM_CATEGORIES,
                                      replace=False))
    image_ids = rng.choice(600000, num_images, replace=False)
    images = [dict(id=int(i), file_name=f'COCO_train2014_{i:012d}.jpg',
                   width=640, height=480) for i in image_ids]
    owners = rng.choice(image_ids, num_annotations)
    cats = rng.choice(category_ids, num_annotations)
    annotations = []
    for k, (image_id, cat) in enumerate(zip(owners, cats)):
        polygon = np.round(rng.rand(2 * POLYGON_POINTS) * 640, 2).tolist()
        annotations.append(dict(
            id=k, image_id=int(image_id), category_id=int(cat), iscrowd=0,
            area=float(np.round(rng.rand() * 1e4, 2)),
            bbox=np.round(rng.rand(4) * 300, 2).tolist(),
            segmentation=[polygon]))
    categories = [dict(id=int(c), name=f'category {c}', supercategory='x')
                  for c in category_ids]
    with open(path, 'w') as f:
        json.dump(dict(images=images, annotations=annotations,
                       categories=categories), f)


BUILD = '''
import sys, time


def peak_mib():
    # VmHWM belongs to this process image (ru_maxrss would carry over the
    # parent's peak across fork + exec)
    with open('/proc/self/status') as f:
        line = next(l for l in f if l.startswith('VmHWM'))
    return int(line.split()[1]) / 1024


import mmpretrain_mlr  # noqa: F401
from mmengine.registry import init_default_scope
from mmpretrain.registry import DATASETS
init_default_scope('mmpretrain')
if sys.argv[1] == '-':  # imports only: the baseline memory
    print(f'0 0 {peak_mib():.0f}')
    sys.exit()
start = time.perf_counter()
ds = DATASETS.build(dict(
    type='COCOMultiLabel', data_root=sys.argv[1], split='train',
    missing_images='unchecked',
    label_protocol=dict(type='PartialLabels', p=0.5,
                        cache_file=sys.argv[2])))
seconds = time.perf_counter() - start
print(f'{len(ds)} {seconds:.2f} {peak_mib():.0f}')
'''


def build_in_subprocess(data_root: str, cache_file: str) -> tuple:
    """(images, seconds, peak MiB) of one build in a fresh process."""
    out = subprocess.run([sys.executable, '-c', BUILD, data_root, cache_file],
                         check=True, capture_output=True, text=True).stdout
    images, seconds, peak = out.split()[-3:]
    return int(images), float(seconds), float(peak)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--scale', type=float, default=1.0,
                        help='fraction of the real counts to generate')
    args = parser.parse_args(argv)
    num_images = int(NUM_IMAGES * args.scale)
    num_annotations = int(NUM_ANNOTATIONS * args.scale)
    with tempfile.TemporaryDirectory() as root:
        ann = osp.join(root, 'annotations', 'instances_train2014.json')
        os.makedirs(osp.dirname(ann))
        start = time.perf_counter()
        write_instances(ann, num_images, num_annotations)
        print(f'wrote {num_images} images, {num_annotations} annotations, '
              f'{osp.getsize(ann) / 2**20:.0f} MiB in '
              f'{time.perf_counter() - start:.0f} s')
        cache = osp.join(root, 'observed_p0.5.npz')
        print('| build | images | seconds | peak memory (MiB) |')
        print('|---|---|---|---|')
        runs = (('imports only (baseline)', '-'),
                ('parse + draw + write cache', root),
                ('parse + read cache', root))
        for label, data_root in runs:
            images, seconds, peak = build_in_subprocess(data_root, cache)
            print(f'| {label} | {images} | {seconds:.1f} | {peak:.0f} |')


if __name__ == '__main__':
    main()
