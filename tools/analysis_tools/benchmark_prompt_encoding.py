"""Prompt encoding cost: every prompt whole vs a shared prefix run once.

Runs a DualCoOp prompt learner (C classes x 2 prompts) through a CLIP text
tower, forward + backward to the contexts, on two paths in the same run:

- ``whole``: every prompt through the text transformer, cut after the last
  EOT token (the former path, ``CLIPTextEncoder(shared_prefix=False)``);
- ``shared prefix``: with contexts shared by all classes, the start token
  and the contexts run once and only each class's suffix (name, '.', EOT)
  runs per class, against the prefix's keys and values
  (``CLIPTextEncoder.encode_shared_prefix``). Class-specific contexts
  have no shared prefix: both paths are the whole prompts.

For each vocabulary size, context length and context kind it prints the
time of a step on each path, their ratio, the largest difference of the
class embeddings and the relative difference of the context gradients
(``|g_new - g_old| / |g_old|``, Frobenius norms).

Weights do not change the cost, so the tower is randomly initialised from
an open_clip architecture name (nothing is downloaded). Class names are
COCO's 80, repeated for larger vocabularies (realistic prompt lengths)::

    python tools/analysis_tools/benchmark_prompt_encoding.py \\
        --model RN50 --num-classes 80 925 1006 --n-ctx 16 64 \\
        --contexts shared class-specific --repeats 3
"""
import argparse
import json
import os.path as osp
import sys
import time

import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from mmpretrain_mlr.models.clip import (  # noqa: E402
    CLIPTextEncoder, build_open_clip)
from mmpretrain_mlr.models.prompts import (  # noqa: E402
    ClassEmbedder, DualCoOpPromptLearner)

# COCO's 80 class names: realistic prompt lengths.
COCO_NAMES = (
    'person bicycle car motorcycle airplane bus train truck boat '
    'traffic_light fire_hydrant stop_sign parking_meter bench bird cat dog '
    'horse sheep cow elephant bear zebra giraffe backpack umbrella handbag '
    'tie suitcase frisbee skis snowboard sports_ball kite baseball_bat '
    'baseball_glove skateboard surfboard tennis_racket bottle wine_glass cup '
    'fork knife spoon bowl banana apple sandwich orange broccoli carrot '
    'hot_dog pizza donut cake chair couch potted_plant bed dining_table '
    'toilet tv laptop mouse remote keyboard cell_phone microwave oven '
    'toaster sink refrigerator book clock vase scissors teddy_bear '
    'hair_drier toothbrush').split()

PATHS = ('whole', 'shared prefix')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', default='RN50',
                        help='open_clip architecture of the text tower '
                        '(default RN50, the DualCoOp zero-shot recipe)')
    parser.add_argument('--num-classes', type=int, nargs='+',
                        default=[80, 925, 1006])
    parser.add_argument('--n-ctx', type=int, nargs='+', default=[16, 64])
    parser.add_argument('--contexts', nargs='+',
                        choices=('shared', 'class-specific'),
                        default=['shared', 'class-specific'])
    parser.add_argument('--repeats', type=int, default=3,
                        help='timed steps after one warm-up step')
    parser.add_argument('--whole-up-to', type=int, default=0,
                        help='run the whole-prompt path only up to this '
                        'many classes (it saves about 15x more for '
                        'backward: over 40 GB at C = 925, n_ctx = 64); '
                        '0: always')
    parser.add_argument('--device', default='cpu')
    parser.add_argument('--json', help='also write the rows to this file')
    return parser.parse_args(argv)


def sync(device: str) -> None:
    if device.startswith('cuda'):
        torch.cuda.synchronize()


def run(embedder, names, weights, repeats: int, device: str):
    """Mean seconds of one forward + backward; embeddings and context
    gradients of the last step."""
    learner = embedder.prompt_learner

    def step():
        learner.ctx.grad = None
        feats = embedder(names)  # [2, C, D]
        (feats * weights).sum().backward()
        return feats.detach(), learner.ctx.grad.detach().clone()

    step()  # warm-up
    sync(device)
    start = time.perf_counter()
    for _ in range(repeats):
        feats, grad = step()
    sync(device)
    return (time.perf_counter() - start) / repeats, feats, grad


def benchmark(model, tokenizer, num_classes: int, n_ctx: int,
              class_specific: bool, repeats: int, device: str,
              run_whole: bool = True) -> dict:
    names = [COCO_NAMES[i % len(COCO_NAMES)] for i in range(num_classes)]
    torch.manual_seed(0)
    learner = DualCoOpPromptLearner(
        ctx_dim=model.token_embedding.weight.shape[1], n_ctx=n_ctx,
        class_specific=class_specific, num_classes=num_classes).to(device)
    results, weights = {}, None
    for path in PATHS:
        if class_specific and path == 'shared prefix':
            continue  # no shared prefix: the same path as 'whole'
        if path == 'whole' and not run_whole:
            continue
        encoder = CLIPTextEncoder(clip_model=model, tokenizer=tokenizer,
                                  truncate=True,
                                  shared_prefix=path == 'shared prefix')
        embedder = ClassEmbedder(encoder.to(device), learner, names)
        if weights is None:  # a fixed random direction of the loss
            weights = torch.randn(
                2, num_classes, encoder.embed_dim,
                generator=torch.Generator().manual_seed(1)).to(device)
        results[path] = run(embedder, names, weights, repeats, device)
    if not results:  # class-specific contexts above --whole-up-to
        embedder = ClassEmbedder(CLIPTextEncoder(
            clip_model=model, tokenizer=tokenizer).to(device), learner, names)
    tokens = embedder.tokens(names)
    row = dict(num_classes=num_classes, n_ctx=n_ctx,
               contexts='class-specific' if class_specific else 'shared',
               prompt_tokens=int(tokens.eot.max()) + 1,
               suffix_tokens_mean=float((tokens.eot - n_ctx).float().mean()),
               ms={p: 1000 * r[0] for p, r in results.items()})
    if len(results) == 2:
        (t_old, f_old, g_old), (t_new, f_new, g_new) = (results[p]
                                                        for p in PATHS)
        row.update(speedup=t_old / t_new,
                   max_abs_diff_embeddings=float((f_new - f_old).abs().max()),
                   rel_diff_grad=float((g_new - g_old).norm() /
                                       g_old.norm()))
    return row


def format_rows(rows) -> str:
    lines = ['| C | n_ctx | contexts | tokens (prompt / mean suffix) | '
             'whole (ms) | shared prefix (ms) | speed-up | '
             'max abs diff embeddings | rel. diff context gradients |',
             '|---' * 9 + '|']
    for r in rows:
        new = r['ms'].get('shared prefix')
        if not r['ms']:
            lines.append(f"| {r['num_classes']} | {r['n_ctx']} | "
                         f"{r['contexts']} | {r['prompt_tokens']} / "
                         f"{r['suffix_tokens_mean']:.1f} | not run | "
                         'same path | - | - | - |')
            continue
        lines.append(
            f"| {r['num_classes']} | {r['n_ctx']} | {r['contexts']} | "
            f"{r['prompt_tokens']} / {r['suffix_tokens_mean']:.1f} | "
            + (f"{r['ms']['whole']:,.1f} | " if 'whole' in r['ms'] else
               'not run | ')
            + (f"{new:,.1f} | {r['speedup']:.2f}x | "
               f"{r['max_abs_diff_embeddings']:.1e} | "
               f"{r['rel_diff_grad']:.1e} |" if 'speedup' in r else
               f"{new:,.1f} | - | - | - |" if new is not None else
               'same path | - | - | - |'))
    return '\n'.join(lines)


def main(argv=None):
    args = parse_args(argv)
    torch.manual_seed(0)
    model, tokenizer = build_open_clip(args.model)
    rows = []
    for num_classes in args.num_classes:
        for n_ctx in args.n_ctx:
            for kind in args.contexts:
                rows.append(benchmark(
                    model, tokenizer, num_classes, n_ctx,
                    kind == 'class-specific', args.repeats, args.device,
                    not args.whole_up_to or num_classes <= args.whole_up_to))
                print(format_rows(rows[-1:]).splitlines()[-1], flush=True)
    device = (torch.cuda.get_device_name(args.device)
              if args.device.startswith('cuda') else
              f'CPU, {torch.get_num_threads()} threads')
    print(f'\ntext tower {args.model}, 2 prompts per class (DualCoOp), '
          f'forward + backward to the contexts, {args.repeats} steps after '
          f'1 warm-up, on {device}\n')
    print(format_rows(rows))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(dict(model=args.model, device=device, rows=rows), f,
                      indent=1)


if __name__ == '__main__':
    main()
