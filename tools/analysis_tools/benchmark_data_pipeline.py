"""Images per second of a config's train and test pipelines on generated
JPEGs of a realistic size, per dataloader worker count, for each of mmcv's
JPEG decode backends installed here (``cv2``, ``pillow``, ``turbojpeg``).

The images (640 x 480 by default, quality 90, photo-like: smooth colour
fields, edges and noise, so that the files are about the size of a COCO
photo) are written once to a temporary folder. Each pipeline runs as
the config writes it, with ``LoadImageFromFile``'s ``imdecode_backend``
set to each backend; a pipeline that reads in-memory images (the shapes
demo) gets a ``LoadImageFromFile`` in front, so it decodes the same
files. Per worker count the dataloader yields every image once; time runs
from its first batch (workers started) to its last. The decode alone (one
file after another, in this process) is timed per backend beside it.

A GPU step consumes ``batch / step time`` images per second (see
``benchmark_train_step.py``); divide that by the per-worker rate here to
size ``num_workers``.

Example::

    python tools/analysis_tools/benchmark_data_pipeline.py \\
        configs/dualcoop/coco.py --workers 0 1 2 --num-images 64
"""
import argparse
import copy
import json
import os.path as osp
import sys
import tempfile
import time
from typing import Dict, List

import numpy as np

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

BACKENDS = ('cv2', 'pillow', 'turbojpeg')
NUM_CLASSES = 80
# pixel noise of the generated photos: at 640 x 480, quality 90, files of
# about 140 KiB, near COCO train2014's average (13 GB / 82,783 images)
NOISE_STD = 16


def installed_backends() -> List[str]:
    """The decode backends of :data:`BACKENDS` that mmcv can use here."""
    from mmcv.image import io
    found = ['cv2', 'pillow']
    if io.TurboJPEG is not None:
        found.append('turbojpeg')
    return found


def photo_like(rng: np.random.RandomState, width: int,
               height: int) -> np.ndarray:
    """A [H, W, 3] uint8 image with the statistics JPEG sees in photos:
    smooth colour regions, a few hard edges, fine noise."""
    coarse = rng.rand(height // 32 + 2, width // 32 + 2, 3)
    ys = np.linspace(0, coarse.shape[0] - 1.001, height)
    xs = np.linspace(0, coarse.shape[1] - 1.001, width)
    y0, x0 = ys.astype(int), xs.astype(int)
    fy, fx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    smooth = (coarse[y0][:, x0] * (1 - fy) * (1 - fx) +
              coarse[y0 + 1][:, x0] * fy * (1 - fx) +
              coarse[y0][:, x0 + 1] * (1 - fy) * fx +
              coarse[y0 + 1][:, x0 + 1] * fy * fx)  # [H, W, 3] in [0, 1]
    image = 255 * smooth
    for _ in range(6):  # rectangles with hard edges
        x, y = rng.randint(0, width - 40), rng.randint(0, height - 40)
        w, h = rng.randint(20, width // 3), rng.randint(20, height // 3)
        image[y:y + h, x:x + w] = rng.rand(3) * 255
    image += rng.normal(0, NOISE_STD, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def write_images(folder: str, num_images: int, width: int, height: int,
                 seed: int = 0) -> List[str]:
    """Write ``num_images`` JPEGs (quality 90); their paths."""
    from PIL import Image
    rng = np.random.RandomState(seed)
    paths = []
    for i in range(num_images):
        path = osp.join(folder, f'{i:06d}.jpg')
        Image.fromarray(photo_like(rng, width, height)).save(path,
                                                             quality=90)
        paths.append(path)
    return paths


class GeneratedImages:
    """A map-style dataset of the generated files through one pipeline,
    with random labels in the fields this package's datasets give
    (``gt_label``, ``observed_label``, ``full_label``, ``sample_idx``).

    Args:
        paths (list[str]): image files.
        pipeline (list[dict]): transform configs.
    """

    def __init__(self, paths: List[str], pipeline: List[dict]):
        from mmengine.dataset import Compose
        self.paths = paths
        self.pipeline = Compose(pipeline)
        rng = np.random.RandomState(1)
        self.full = np.where(rng.rand(len(paths), NUM_CLASSES) < 0.05, 1,
                             -1).astype(np.int8)
        known = rng.rand(len(paths), NUM_CLASSES) < 0.5
        self.observed = (self.full * known).astype(np.int8)

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, i):
        return self.pipeline(dict(
            img_path=self.paths[i], sample_idx=i,
            gt_label=np.flatnonzero(self.full[i] == 1).tolist(),
            observed_label=self.observed[i].copy(),
            full_label=self.full[i].copy()))


def with_backend(pipeline: List[dict], backend: str):
    """A copy of ``pipeline`` whose ``LoadImageFromFile`` decodes with
    ``backend`` (one is put in front if there is none); and whether one
    was added."""
    pipeline = copy.deepcopy(list(pipeline))
    loaders = [t for t in pipeline
               if t['type'].split('.')[-1] == 'LoadImageFromFile']
    added = not loaders
    if added:
        loaders = [dict(type='LoadImageFromFile')]
        pipeline = loaders + pipeline
    for loader in loaders:
        loader['imdecode_backend'] = backend
    return pipeline, added


def images_per_second(dataset, workers: int, batch_size: int) -> float:
    """Rate of a dataloader over ``dataset``, from its first batch to its
    last."""
    from mmengine.dataset import pseudo_collate
    from torch.utils.data import DataLoader
    loader = DataLoader(dataset, batch_size=batch_size, num_workers=workers,
                        collate_fn=pseudo_collate, shuffle=False)
    batches = iter(loader)
    next(batches)
    start = time.perf_counter()
    timed = sum(len(batch['inputs']) for batch in batches)
    elapsed = time.perf_counter() - start
    if timed == 0:
        raise ValueError(f'--num-images {len(dataset)} with batch size '
                         f'{batch_size} leaves nothing to time after the '
                         'first batch; give more images')
    return timed / elapsed


def decode_ms(paths: List[str], backend: str) -> float:
    """Milliseconds per image of ``mmcv.imfrombytes`` with ``backend``."""
    import mmcv
    blobs = []
    for path in paths:
        with open(path, 'rb') as f:
            blobs.append(f.read())
    start = time.perf_counter()
    for blob in blobs:
        mmcv.imfrombytes(blob, backend=backend)
    return 1000 * (time.perf_counter() - start) / len(blobs)


def config_pipelines(cfg) -> Dict[str, List[dict]]:
    """``train`` and ``test`` pipelines of a config."""
    loaders = dict(train='train_dataloader', test='test_dataloader')
    pipelines = {}
    for name, field in loaders.items():
        loader = cfg.get(field) or cfg.get('val_dataloader')
        pipeline = (loader or {}).get('dataset', {}).get('pipeline')
        if not pipeline:
            raise ValueError(f'{cfg.filename}: `{field}.dataset.pipeline` '
                             'is missing or empty; expected a list of '
                             'transform configs')
        pipelines[name] = pipeline
    return pipelines


def benchmark(args) -> dict:
    import mmpretrain_mlr  # noqa: F401  (registers the transforms)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    cfg = Config.fromfile(args.config)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    pipelines = config_pipelines(cfg)
    available = installed_backends()
    backends = [b for b in args.backends if b in available]
    if not backends:
        raise ValueError(f'--backends {args.backends}: none is installed '
                         f'here (installed: {available})')
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        paths = write_images(folder, args.num_images, args.width,
                             args.height)
        jpeg_kib = np.mean([osp.getsize(p) for p in paths]) / 1024
        decode = {b: decode_ms(paths, b) for b in backends}
        for name, pipeline in pipelines.items():
            for backend in backends:
                steps, added = with_backend(pipeline, backend)
                dataset = GeneratedImages(paths, steps)
                for workers in args.workers:
                    rate = images_per_second(dataset, workers,
                                             args.batch_size)
                    rows.append(dict(
                        pipeline=name, backend=backend, workers=workers,
                        images_per_s=rate,
                        per_worker_images_per_s=rate / max(workers, 1),
                        loader_added=added))
    return dict(config=args.config, width=args.width, height=args.height,
                num_images=args.num_images, batch_size=args.batch_size,
                jpeg_kib=jpeg_kib, decode_ms=decode,
                not_installed=[b for b in args.backends
                               if b not in available], rows=rows)


def format_table(result: dict) -> str:
    lines = ['| pipeline | backend | workers | images / s | '
             'images / s per worker | ms / image per worker | '
             'decode alone (ms / image) |', '|---' * 7 + '|']
    for r in result['rows']:
        lines.append(
            f'| {r["pipeline"]}{" (+ loader)" if r["loader_added"] else ""}'
            f' | {r["backend"]} | {r["workers"]} | {r["images_per_s"]:,.1f}'
            f' | {r["per_worker_images_per_s"]:,.1f} | '
            f'{1000 / r["per_worker_images_per_s"]:,.1f} | '
            f'{result["decode_ms"][r["backend"]]:.2f} |')
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('--workers', type=int, nargs='+', default=[0, 1, 2],
                        help='dataloader worker counts (0: the main '
                        'process)')
    parser.add_argument('--num-images', type=int, default=64)
    parser.add_argument('--batch-size', type=int, default=8)
    parser.add_argument('--width', type=int, default=640)
    parser.add_argument('--height', type=int, default=480)
    parser.add_argument('--backends', nargs='+', default=list(BACKENDS),
                        choices=BACKENDS)
    parser.add_argument('--json', help='also write the figures here')
    args = parser.parse_args(argv)
    if min(args.workers) < 0:
        parser.error(f'--workers must be >= 0, got {args.workers}')
    if args.num_images <= args.batch_size:
        parser.error(f'--num-images ({args.num_images}) must exceed '
                     f'--batch-size ({args.batch_size}): the first batch '
                     'is not timed')
    if args.width < 64 or args.height < 64:
        parser.error('--width and --height must be at least 64')
    return args


def main(argv=None):
    args = parse_args(argv)
    result = benchmark(args)
    print(format_table(result))
    print(f'{result["num_images"]} generated {result["width"]}x'
          f'{result["height"]} JPEGs, {result["jpeg_kib"]:.0f} KiB each on '
          f'average; batch {result["batch_size"]}' +
          (f'; not installed: {", ".join(result["not_installed"])}'
           if result['not_installed'] else ''))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == '__main__':
    main()
