"""Time one training step (forward + backward) of a classifier, split into
image tower, text side, head, loss and backward, on an in-memory batch,
and report its peak memory.

The step is the model's own: ``model(images, samples, mode='loss')``, the
runner's call, then backward of the summed losses. Its stages are timed
where the model runs them, by wrapping the callables it calls (the image
encoder and frozen teacher, or ``extract_feat`` of an mmpretrain
``ImageClassifier``; ``text_features``; the head's ``head_outputs``; its
``_get_targets`` and ``_get_loss``), so any classifier of this package
and any head on the targets / loss steps of ``ObservedLabelHead`` is split
the same way; what the forward spends outside those stages is ``other``.
Alongside the times, the bytes each stage saves for backward (tensors
kept by autograd, parameters not counted) show whether a frozen tower
stores activations.

The model is built from the config with random weights (the speed of a
step does not depend on the values), so nothing is downloaded. Timed
steps follow ``--warmup`` untimed ones (where ``--compile`` compiles);
epoch-dependent heads are put past their warm-up (TRM-ML then draws
pseudo-labels from its prototypes, the full training path).

Peak memory: on CUDA, the allocator's peak over the steps
(``torch.cuda.max_memory_allocated``); on a CPU, the peak resident set
over the steps, measured in a fresh process (the model stays resident,
so the figure includes it; the resident size before the first step is
reported beside it).

``--amp``: autocast as ``AmpOptimWrapper`` enters it (bf16 needs no loss
scaling; fp16 scales the loss as mmengine's dynamic scaler does), plus
the largest difference of the logits from float32 on the same batch.

Examples::

    python tools/analysis_tools/benchmark_train_step.py \\
        configs/dualcoop/coco.py --batch-size 32 --steps 3 --amp bf16
    python tools/analysis_tools/benchmark_train_step.py \\
        configs/trm_ml/coco.py --device cuda --amp bf16 --channels-last \\
        --compile --json trm.json
"""
import argparse
import functools
import json
import os
import os.path as osp
import subprocess
import sys
import tempfile
from typing import List, Optional

import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from mmpretrain_mlr.utils.amp import (  # noqa: E402
    AMP_CHOICES, autocast_context, check_amp, device_type)

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from step_costs import (StageClock, device_name, peak_memory,  # noqa: E402,F401
                        reset_peak_memory, train_step)

STAGES = ('image tower', 'text side', 'head', 'loss')
#: ways of encoding prompts (CLIPTextEncoder's ``shared_prefix``)
TEXT_PATHS = ('whole', 'shared prefix')
#: the columns of a step: the model's stages, the rest of the forward,
#: backward
SEGMENTS = STAGES + ('other', 'backward')


def build_model(config: str, device: str, num_classes: int = 0,
                channels_last: bool = False,
                text_path: Optional[str] = None):
    """The config's model with random weights, in train mode, past the
    warm-up of epoch-dependent heads.

    With ``num_classes``, the training and test vocabularies are
    ``num_classes`` placeholder names (no dataset files are read). With
    ``text_path`` ('whole' or 'shared prefix'), the text encoder encodes
    every prompt whole or runs a shared prompt prefix once."""
    import mmpretrain_mlr  # noqa: F401  (registers the components)
    from mmengine.config import Config
    from mmengine.registry import init_default_scope
    from mmpretrain.registry import MODELS
    cfg = Config.fromfile(config)
    init_default_scope(cfg.get('default_scope', 'mmpretrain'))
    model_cfg = cfg.model
    if 'clip' in model_cfg:
        model_cfg.clip.pretrained = None
    if 'class_names' in model_cfg:
        if num_classes:
            model_cfg.class_names = [f'class {i}' for i in range(num_classes)]
            # no other vocabulary to resolve (e.g. from dataset files)
            model_cfg.pop('test_class_names', None)
            model_cfg.pop('test_vocabularies', None)
        elif not isinstance(model_cfg.class_names, (list, tuple)):
            from mmpretrain_mlr.utils.vocabulary import resolve_class_names
            model_cfg.class_names = resolve_class_names(model_cfg.class_names)
    elif num_classes:
        model_cfg.head.num_classes = num_classes
    if channels_last and 'image_encoder' in model_cfg:
        model_cfg.image_encoder.channels_last = True
    if text_path is not None:
        text_encoder = dict(model_cfg.get('text_encoder',
                                          dict(type='CLIPTextEncoder')))
        text_encoder['shared_prefix'] = text_path == 'shared prefix'
        model_cfg.text_encoder = text_encoder
    # init_cfg (e.g. torchvision weights) applies only in init_weights(),
    # which is not called: the weights stay random
    model = MODELS.build(model_cfg).to(device)
    if channels_last and 'image_encoder' not in model_cfg:
        model.to(memory_format=torch.channels_last)
    model.train()
    for module in model.modules():
        if callable(getattr(module, 'set_epoch', None)):
            module.set_epoch(getattr(module, 'warmup_epochs', 1))
    return cfg, model


def config_image_size(cfg) -> int:
    """The side of the training images: the size the train pipeline's
    last resize or crop gives (its ``scale``, ``crop_size`` or ``size``,
    the larger side if not square), else the config's ``image_size``, else
    448."""
    loader = cfg.get('train_dataloader') or {}
    for transform in reversed(loader.get('dataset', {}).get('pipeline', [])):
        kind = transform['type'].split('.')[-1]
        if not kind.endswith(('Resize', 'Crop')):
            continue
        for key in ('scale', 'crop_size', 'size'):
            size = transform.get(key)
            if isinstance(size, int):
                return size
            if isinstance(size, (tuple, list)) and size:
                return max(size)
    return cfg.get('image_size', 448)


def num_model_classes(cfg, model) -> int:
    """C: the training vocabulary's size, or the head's number of
    classes."""
    names = getattr(model, 'class_names', None)
    return len(names) if names is not None else int(cfg.model.head.num_classes)


def make_batch(num_classes: int, batch_size: int, image_size: int,
               device: str, channels_last: bool = False):
    """Normalised random images and data samples with half the labels
    known (+1 / -1), the full ground truth and dataset indices."""
    from mmpretrain.structures import DataSample
    gen = torch.Generator().manual_seed(0)
    images = torch.randn(batch_size, 3, image_size, image_size,
                         generator=gen).to(device)
    if channels_last:
        images = images.contiguous(memory_format=torch.channels_last)
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


def logits_difference(model, images, amp: str, device: str) -> dict:
    """Largest |logit| difference between ``amp`` and float32 on the same
    batch (eval mode, no gradients), absolute and relative to the largest
    float32 |logit|."""
    model.eval()
    with torch.no_grad():
        exact = model(images, mode='tensor').float()
        with autocast_context(amp, device):
            mixed = model(images, mode='tensor').float()
    model.train()
    diff = float((mixed - exact).abs().max())
    return dict(max_abs=diff,
                max_rel=diff / max(float(exact.abs().max()), 1e-12))


def text_side_ms(model, steps: int, amp: str, device: str) -> float:
    """Mean ms of the text side alone, forward and backward (to the
    prompt contexts): the class embeddings of the training vocabulary,
    then backward of a fixed random projection of them."""
    clock = StageClock(device)
    weights = None
    for i in range(steps + 1):  # one warm-up
        model.zero_grad(set_to_none=True)
        with clock.measure('text' if i else 'warm-up'):
            with autocast_context(amp, device):
                feats = model.text_features(model.class_names)
            if weights is None:
                weights = torch.randn(feats.shape, generator=torch.Generator(
                ).manual_seed(0)).to(feats.device)
            if feats.requires_grad:
                (feats.float() * weights).sum().backward()
    model.zero_grad(set_to_none=True)
    return 1000 * clock.times['text'] / steps


def benchmark(args) -> dict:
    """Build, warm up, time ``args.steps`` steps; the figures as a dict."""
    check_amp(args.amp, args.device)
    cfg, model = build_model(args.config, args.device, args.num_classes,
                             args.channels_last, args.text_path)
    batch_size = args.batch_size or cfg.train_dataloader.batch_size
    image_size = args.image_size or config_image_size(cfg)
    num_classes = num_model_classes(cfg, model)
    images, samples = make_batch(num_classes, batch_size, image_size,
                                 args.device, args.channels_last)
    clock = StageClock(args.device)
    clock.instrument(model, args.compile_backend if args.compile else None)
    scaler = (torch.amp.GradScaler(device_type(args.device))
              if args.amp == 'fp16' else None)
    step = functools.partial(train_step, model, images, samples, clock,
                             args.amp, args.device, scaler,
                             not args.compile)
    for _ in range(args.warmup):
        step()
    resident = reset_peak_memory(args.device)
    clock.times.clear()
    clock.saved.clear()
    for _ in range(args.steps):
        step()
    peak = peak_memory(args.device)
    ms = {s: 1000 * clock.times[s] / args.steps for s in STAGES}
    ms['other'] = 1000 * clock.times['forward'] / args.steps - sum(ms.values())
    ms['backward'] = 1000 * clock.times['backward'] / args.steps
    total = sum(ms.values())
    # after the step's figures: text_features is instrumented
    text_ms = (text_side_ms(model, args.steps, args.amp, args.device)
               if callable(getattr(model, 'text_features', None)) else None)
    result = dict(
        config=args.config, device=args.device,
        device_name=device_name(args.device), batch_size=batch_size,
        image_size=image_size, num_classes=num_classes,
        model=type(model).__name__, head=type(model.head).__name__,
        amp=args.amp, channels_last=args.channels_last,
        compile=args.compile_backend if args.compile else None,
        steps=args.steps, warmup=args.warmup, ms=ms, total_ms=total,
        text_path=args.text_path, text_side_fwd_bwd_ms=text_ms,
        images_per_s=1000 * batch_size / total,
        memory_before_steps_mib=resident, peak_memory_mib=peak,
        saved_mib=None if args.compile else {
            s: clock.saved[s] / args.steps / 2**20 for s in SEGMENTS})
    if args.amp != 'none':
        result['logits_vs_fp32'] = logits_difference(model, images, args.amp,
                                                     args.device)
    return result


def format_table(results: List[dict]) -> str:
    """A Markdown table, one row per result."""
    lines = ['| config | amp | ' +
             ' | '.join(f'{s} (ms)' for s in SEGMENTS) +
             ' | step (ms) | images / s | peak memory (MiB) | '
             'saved by image tower (MiB) | saved in all (MiB) | '
             'max abs logit diff vs fp32 |',
             '|---' * (len(SEGMENTS) + 8) + '|']
    for r in results:
        saved = r['saved_mib']
        diff = r.get('logits_vs_fp32')
        lines.append(
            f'| {osp.basename(r["config"])}'
            + (f' ({r["text_path"]})' if r.get('text_path') else '')
            + f' | {r["amp"]} | ' +
            ' | '.join(f'{r["ms"][s]:,.1f}' for s in SEGMENTS) +
            f' | {r["total_ms"]:,.1f} | {r["images_per_s"]:,.1f} | '
            f'{r["peak_memory_mib"]:,.0f} | ' +
            (f'{saved["image tower"]:,.1f} | {sum(saved.values()):,.1f}'
             if saved else '- | -') +
            (f' | {diff["max_abs"]:.2e} |' if diff else ' | - |'))
    return '\n'.join(lines)


def describe(result: dict) -> str:
    """The conditions of a result, in one line."""
    memory = ('CUDA allocator peak' if device_type(result['device']) ==
              'cuda' else 'peak RSS of a fresh process')
    text = (f'{result["model"]} + {result["head"]}, batch '
            f'{result["batch_size"]}, {result["image_size"]} px, C = '
            f'{result["num_classes"]}, on {result["device_name"]}; '
            f'{result["steps"]} steps after {result["warmup"]} warm-up; '
            f'memory: {memory} over the steps '
            f'({result["memory_before_steps_mib"]:,.0f} MiB before them)')
    if result.get('logits_vs_fp32'):
        diff = result['logits_vs_fp32']
        text += (f'; {result["amp"]} logits vs fp32: max |diff| '
                 f'{diff["max_abs"]:.3e} ({100 * diff["max_rel"]:.2f} % of '
                 'the largest |logit|)')
    return text


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('config')
    parser.add_argument('--batch-size', type=int, default=0,
                        help="default: the config's training batch size")
    parser.add_argument('--image-size', type=int, default=0,
                        help="default: the side the config's train "
                        'pipeline resizes or crops to')
    parser.add_argument('--num-classes', type=int, default=0,
                        help='a vocabulary of this size instead of the '
                        "config's (default: the config's)")
    parser.add_argument('--steps', type=int, default=3)
    parser.add_argument('--warmup', type=int, default=1)
    parser.add_argument('--amp', choices=AMP_CHOICES, default='none')
    parser.add_argument('--channels-last', action='store_true',
                        help='channels-last memory format for the image '
                        "tower (the image encoder's `channels_last` field)")
    parser.add_argument('--compile', action='store_true',
                        help='torch.compile the image tower and the head '
                        '(compiled in the warm-up steps)')
    parser.add_argument('--compile-backend', default='inductor')
    parser.add_argument('--device', default=None,
                        help='cpu or cuda[:N] (default: cuda when '
                        'available)')
    parser.add_argument('--text-path', choices=TEXT_PATHS, default=None,
                        help="how prompts are encoded: 'whole' (every "
                        "prompt through the text tower) or 'shared prefix' "
                        "(a prefix shared by all classes run once; the "
                        "default of CLIPTextEncoder); default: the config's")
    parser.add_argument('--compare-text-paths', action='store_true',
                        help='run the step with each text path (in one '
                        'command) and print the speed-ups of the text side '
                        '(forward + backward) and of the whole step')
    parser.add_argument('--json', help='also write the figures here')
    parser.add_argument('--in-process', action='store_true',
                        help='on a CPU, measure in this process instead of '
                        'a fresh one')
    args = parser.parse_args(argv)
    if args.device is None:
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if device_type(args.device) == 'cuda' and not torch.cuda.is_available():
        parser.error(f'--device {args.device}: CUDA is not available here')
    if args.steps < 1:
        parser.error(f'--steps must be at least 1, got {args.steps}')
    if args.compile and args.warmup < 1:
        parser.error('--compile needs --warmup of at least 1 (compilation '
                     'runs in the warm-up)')
    try:
        check_amp(args.amp, args.device)
    except ValueError as err:
        parser.error(str(err))
    return args


def benchmark_in_fresh_process(argv: List[str]) -> dict:
    """Run this script with ``argv`` in a new interpreter, so the peak
    resident set is the benchmark's alone; returns its figures."""
    with tempfile.TemporaryDirectory() as tmp:
        out = osp.join(tmp, 'result.json')
        subprocess.run([sys.executable, osp.abspath(__file__), *argv,
                        '--in-process', '--json', out], check=True,
                       stdout=subprocess.DEVNULL, env=dict(os.environ))
        with open(out) as f:
            return json.load(f)


def run_one(args, argv: List[str]) -> dict:
    if device_type(args.device) == 'cpu' and not args.in_process:
        return benchmark_in_fresh_process(argv)
    return benchmark(args)


def compare_text_paths(results: List[dict]) -> str:
    """Speed-ups of the shared prefix over whole prompts."""
    old, new = results
    lines = []
    text_old, text_new = (r.get('text_side_fwd_bwd_ms') for r in results)
    if text_old and text_new:
        lines.append(
            f'text side, forward + backward: {text_old:,.1f} ms (whole) -> '
            f'{text_new:,.1f} ms (shared prefix): {text_old / text_new:.2f}x')
    lines.append(f'training step: {old["total_ms"]:,.1f} ms -> '
                 f'{new["total_ms"]:,.1f} ms: '
                 f'{old["total_ms"] / new["total_ms"]:.2f}x; peak memory '
                 f'{old["peak_memory_mib"]:,.0f} -> '
                 f'{new["peak_memory_mib"]:,.0f} MiB')
    return '\n'.join(lines)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    args = parse_args(argv)
    if args.compare_text_paths:
        base = [a for a in argv if a != '--compare-text-paths']
        results = []
        for path in TEXT_PATHS:
            path_argv = base + ['--text-path', path]
            results.append(run_one(parse_args(path_argv), path_argv))
        print(format_table(results))
        print(describe(results[-1]))
        print(compare_text_paths(results))
        result = dict(runs=results)
    else:
        result = run_one(args, argv)
        print(format_table([result]))
        print(describe(result))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == '__main__':
    main()
