"""Prompt encoding cost: full 77-token context vs truncation at the last EOT.

Runs a DualCoOp prompt learner (C classes x 2 prompts, class-specific
contexts) through a CLIP text tower, forward + backward to the contexts,
with and without truncation, and prints the time of each, their ratio and
the largest difference of the class embeddings and of the gradients.

Weights do not change the cost, so the tower is randomly initialised from
an open_clip architecture name (nothing is downloaded)::

    python tools/analysis_tools/benchmark_prompt_encoding.py \
        --model RN101 --num-classes 80 --repeats 5
"""
import argparse
import time

import torch

from mmpretrain_mlr.models.clip import CLIPTextEncoder, build_open_clip
from mmpretrain_mlr.models.prompts import DualCoOpPromptLearner

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


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', default='RN101',
                        help='open_clip architecture of the text tower')
    parser.add_argument('--num-classes', type=int, default=80)
    parser.add_argument('--n-ctx', type=int, default=16)
    parser.add_argument('--repeats', type=int, default=5)
    parser.add_argument('--device', default='cpu')
    return parser.parse_args()


def run(encoder, learner, names, repeats, device):
    """Mean seconds of one forward + backward, embeddings and gradients."""
    def step():
        learner.ctx.grad = None
        feats = learner(names, encoder)  # [2, C, D]
        (feats * torch.linspace(-1, 1, feats.shape[-1],
                                device=device)).sum().backward()
        return feats.detach(), learner.ctx.grad.detach().clone()

    step()  # warm-up
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        feats, grad = step()
    if device.startswith('cuda'):
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats, feats, grad


def main():
    args = parse_args()
    torch.manual_seed(0)
    model, tokenizer = build_open_clip(args.model)
    names = [COCO_NAMES[i % len(COCO_NAMES)] for i in range(args.num_classes)]
    learner = DualCoOpPromptLearner(
        ctx_dim=model.token_embedding.weight.shape[1], n_ctx=args.n_ctx,
        class_specific=True, num_classes=args.num_classes).to(args.device)
    results = {}
    for truncate in (False, True):
        encoder = CLIPTextEncoder(clip_model=model, tokenizer=tokenizer,
                                  truncate=truncate).to(args.device)
        results[truncate] = run(encoder, learner, names, args.repeats,
                                args.device)
    (t_full, f_full, g_full), (t_cut, f_cut, g_cut) = results[False], results[
        True]
    eot = encoder.tokenize([f'{"X " * args.n_ctx}{n}.' for n in names])
    print(f'text tower {args.model}, {args.num_classes} classes x 2 prompts, '
          f'n_ctx {args.n_ctx}, device {args.device}; tokens kept: '
          f'{int(eot.argmax(-1).max()) + 1} of {eot.shape[1]}')
    print(f'full 77 tokens : {t_full * 1000:9.1f} ms / step (fwd + bwd)')
    print(f'truncated      : {t_cut * 1000:9.1f} ms / step (fwd + bwd)')
    print(f'speed-up       : {t_full / t_cut:9.2f} x')
    print(f'max |diff| embeddings: {(f_full - f_cut).abs().max():.2e}, '
          f'gradients: {(g_full - g_cut).abs().max():.2e}')


if __name__ == '__main__':
    main()
