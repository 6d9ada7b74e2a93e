"""Time one training step (forward + backward) of a prompt classifier,
split into image tower, text side, head, loss and backward, on an
in-memory batch, and report its peak memory.

The model is built from the config with random CLIP weights (the speed of
a step does not depend on the values), so nothing is downloaded. Steps
run after ``--warmup`` untimed ones; epoch-dependent heads are put past
their warm-up (TRM-ML then draws pseudo-labels from its prototypes, the
full training path).

Examples::

    python tools/analysis_tools/benchmark_train_step.py \\
        configs/trm_ml/coco.py --batch-size 32 --steps 3
    python tools/analysis_tools/benchmark_train_step.py \\
        configs/dualcoop/coco.py --batch-size 32 --steps 3 --json dc.json
"""
import argparse
import json
import os.path as osp
import resource
import sys
import time
from contextlib import contextmanager
from typing import Dict, List

import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

SEGMENTS = ('image tower', 'text side', 'head', 'loss', 'backward')


def build_model(config: str, device: str, num_classes: int):
    import mmpretrain_mlr  # noqa: F401  (registers the components)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    cfg.model.clip.pretrained = None
    if num_classes:
        cfg.model.class_names = [f'class {i}' for i in range(num_classes)]
    elif not isinstance(cfg.model.class_names, (list, tuple)):
        from mmpretrain_mlr.utils.vocabulary import resolve_class_names
        cfg.model.class_names = resolve_class_names(cfg.model.class_names)
    model = MODELS.build(cfg.model).to(device)
    model.train()
    for module in model.modules():
        if callable(getattr(module, 'set_epoch', None)):
            module.set_epoch(getattr(module, 'warmup_epochs', 1))
    return cfg, model


def make_batch(cfg, model, batch_size: int, image_size: int, device: str):
    """Normalised random images and data samples with half the labels
    known (+1 / -1) and the full ground truth."""
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(0)
    images = torch.randn(batch_size, 3, image_size, image_size,
                         generator=gen).to(device)
    num_classes = len(model.class_names)
    truth = torch.rand(batch_size, num_classes, generator=gen) < 0.1
    known = torch.rand(batch_size, num_classes, generator=gen) < 0.5
    observed = torch.where(truth, 1, -1) * known
    samples = []
    for i in range(batch_size):
        ds = DataSample(observed_label=observed[i].to(torch.int8))
        ds.set_gt_label(torch.nonzero(truth[i]).flatten().tolist())
        ds.set_metainfo(dict(sample_idx=i))
        samples.append(ds)
    return images, samples


@contextmanager
def timed(times: Dict[str, float], name: str, device: str):
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    start = time.perf_counter()
    yield
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    times[name] = times.get(name, 0.) + time.perf_counter() - start


def train_step(model, images, samples, device: str,
               times: Dict[str, float]) -> None:
    """One step through the classifier's parts, each timed."""
    from mmpretrain_mlr.models.clip import ClassifierFeatures
    with timed(times, 'image tower', device):
        image = model.image_encoder(images)
        teacher = None
        if model.teacher_image_encoder is not None and getattr(
                model.head, 'needs_teacher', False):
            with torch.no_grad():
                teacher = model.teacher_image_encoder(images)
    with timed(times, 'text side', device):
        text = model.text_features(model.class_names)
    feats = ClassifierFeatures(image, text, teacher)
    head = model.head
    with timed(times, 'head', device):
        outputs = head.head_outputs(feats)
    with timed(times, 'loss', device):
        targets = head._get_targets(outputs, samples)
        losses = head._get_loss(outputs, targets, feats)
        total = sum(v for k, v in losses.items() if k.startswith('loss'))
    with timed(times, 'backward', device):
        total.backward()
    model.zero_grad(set_to_none=True)


def peak_memory_mib(device: str) -> float:
    if device.startswith('cuda'):
        return torch.cuda.max_memory_allocated() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def benchmark(args) -> dict:
    cfg, model = build_model(args.config, args.device, args.num_classes)
    images, samples = make_batch(cfg, model, args.batch_size,
                                 args.image_size, args.device)
    if args.device.startswith('cuda'):
        torch.cuda.reset_peak_memory_stats()
    for _ in range(args.warmup):
        train_step(model, images, samples, args.device, {})
    times: Dict[str, float] = {}
    for _ in range(args.steps):
        train_step(model, images, samples, args.device, times)
    per_step = {k: 1000 * times[k] / args.steps for k in SEGMENTS}
    total = sum(per_step.values())
    return dict(config=args.config, device=args.device,
                batch_size=args.batch_size, image_size=args.image_size,
                num_classes=len(model.class_names),
                head=type(model.head).__name__, ms=per_step, total_ms=total,
                images_per_s=1000 * args.batch_size / total,
                peak_memory_mib=peak_memory_mib(args.device))


def format_table(results: List[dict]) -> str:
    lines = ['| config | ' + ' | '.join(f'{s} (ms)' for s in SEGMENTS) +
             ' | step (ms) | images / s | peak memory (MiB) |',
             '|---' * (len(SEGMENTS) + 4) + '|']
    for r in results:
        lines.append(
            f'| {r["config"]} | ' +
            ' | '.join(f'{r["ms"][s]:,.0f}' for s in SEGMENTS) +
            f' | {r["total_ms"]:,.0f} | {r["images_per_s"]:.1f} | '
            f'{r["peak_memory_mib"]:,.0f} |')
    return '\n'.join(lines)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--image-size', type=int, default=448)
    parser.add_argument('--num-classes', type=int, default=0,
                        help='a vocabulary of this size instead of the '
                        "config's (default: the config's)")
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--json', help='also write the figures here')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    result = benchmark(args)
    print(format_table([result]))
    head_and_loss = result['ms']['head'] + result['ms']['loss']
    print(f'head + loss = {head_and_loss:,.0f} ms = '
          f'{100 * head_and_loss / result["ms"]["image tower"]:.1f} % of the '
          'image tower forward')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)


if __name__ == '__main__':
    main()
