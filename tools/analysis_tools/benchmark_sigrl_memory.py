"""Peak memory of one training step (forward + backward) of the SigRL head,
chunked and unchunked, each size in a fresh process.

The head alone (graph, reconstruction, local + global scores, ranking loss
on random labels) on random patch features P [B, N, D] and global features
[B, D] that require gradients, as the trained ViT blocks give them:

    python tools/analysis_tools/benchmark_sigrl_memory.py \\
        --classes 81 925 1006 --chunk-size 16

Peak: the CUDA allocator's peak minus what was allocated before the step
(``--device cuda``), or on the CPU the growth of the process's peak
resident set during the step (with glibc's mmap threshold fixed at 64 KiB,
``MALLOC_MMAP_THRESHOLD_``, so that freed blocks leave the resident set).
An unchunked step whose [B, N, C, D]
activations would not fit (``--max-gb``) is not run: its peak is
extrapolated linearly in C from two unchunked sizes that fit
(``--fit-classes``), and the table says so. ``--check`` also compares the
chunked scores and input gradients with the unchunked ones at the
smallest C.
"""
import argparse
import json
import os
import os.path as osp
import resource
import subprocess
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def build_step(args, num_classes, chunk_size):
    """The head, its inputs and a closure running one training step."""
    import torch
    import torch.nn.functional as F

    from mmpretrain_mlr.models.clip import ClassifierFeatures, ImageFeatures
    from mmpretrain_mlr.models.heads import SigRLHead
    from mmpretrain_mlr.models.losses import PairwiseRankingLoss

    torch.manual_seed(0)
    device = torch.device(args.device)
    b, n, d = args.batch_size, args.patches, args.dim
    row_chunk = None if chunk_size is None else 16
    head = SigRLHead(d, topk=args.topk, distillation_weight=0.,
                     graph=dict(row_chunk=row_chunk),
                     reconstruction=dict(chunk_size=chunk_size)).to(device)
    patches = torch.randn(b, n, d, device=device, requires_grad=True)
    global_feat = torch.randn(b, d, device=device, requires_grad=True)
    text = F.normalize(torch.randn(1, num_classes, d, device=device), dim=-1)
    labels = torch.where(torch.rand(b, num_classes, device=device) < 0.05,
                         1., -1.)
    loss_fn = PairwiseRankingLoss()

    def step():
        feats = ClassifierFeatures(ImageFeatures(global_feat, patches), text)
        scores = head(feats)
        loss_fn(scores, labels).backward()
        return scores.detach(), patches.grad.detach()

    return torch, step


def rss_peak_bytes():
    """Peak resident set of this process (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def measure_one(args):
    """Run one step in this process; print its peak in bytes as JSON."""
    chunk = None if args.one_chunk == 0 else args.one_chunk
    torch, step = build_step(args, args.one_classes, chunk)
    if args.device == 'cuda':
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        before = torch.cuda.memory_allocated()
        step()
        torch.cuda.synchronize()
        peak = torch.cuda.max_memory_allocated() - before
    else:
        before = rss_peak_bytes()
        step()
        peak = rss_peak_bytes() - before
    print(json.dumps(dict(peak_bytes=peak)))


def run_fresh(args, num_classes, chunk_size):
    """Peak bytes of one step in a fresh process."""
    cmd = [sys.executable, osp.abspath(__file__), '--one-classes',
           str(num_classes), '--one-chunk', str(chunk_size or 0),
           '--batch-size', str(args.batch_size), '--patches',
           str(args.patches), '--dim', str(args.dim), '--topk',
           str(args.topk), '--device', args.device]
    env = dict(os.environ, PYTHONWARNINGS='ignore')
    if args.device == 'cpu':
        # glibc serves blocks below a moving threshold (up to 32 MB) from
        # its heap and keeps them after free: the resident set then grows
        # with the number of chunks while live tensors do not. A fixed
        # 64 KiB threshold maps larger blocks and returns them on free.
        env.setdefault('MALLOC_MMAP_THRESHOLD_', '65536')
    out = subprocess.run(cmd, check=True, capture_output=True, text=True,
                         env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])['peak_bytes']


def unchunked_gb(args, num_classes):
    """Size of one [B, N, C, D] float32 activation, in GB."""
    return args.batch_size * args.patches * num_classes * args.dim * 4 / 1e9


def check_equal(args):
    """Chunked vs unchunked scores and input gradients at the smallest C."""
    num_classes = min(args.classes)
    results = []
    for chunk in (None, args.chunk_size):
        torch, step = build_step(args, num_classes, chunk)
        results.append(step())
    return max(float((a - b).abs().max())
               for a, b in zip(results[0], results[1]))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--classes', type=int, nargs='+',
                        default=[81, 925, 1006])
    parser.add_argument('--chunk-size', type=int, default=16)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--patches', type=int, default=196)
    parser.add_argument('--dim', type=int, default=512)
    parser.add_argument('--topk', type=int, default=16)
    parser.add_argument('--device', default='cpu', choices=['cpu', 'cuda'])
    parser.add_argument('--max-gb', type=float, default=2.,
                        help='run an unchunked step only when one of its '
                        '[B, N, C, D] activations is at most this size')
    parser.add_argument('--fit-classes', type=int, nargs=2, default=[8, 32],
                        help='unchunked sizes for the linear extrapolation')
    parser.add_argument('--check', action='store_true')
    parser.add_argument('--json', help='also write the table here')
    parser.add_argument('--one-classes', type=int, help=argparse.SUPPRESS)
    parser.add_argument('--one-chunk', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_classes is not None:
        return measure_one(args)

    rows = []
    fit = None
    for num_classes in args.classes:
        chunked = run_fresh(args, num_classes, args.chunk_size)
        if unchunked_gb(args, num_classes) <= args.max_gb:
            unchunked, how = run_fresh(args, num_classes, None), 'measured'
        else:
            if fit is None:
                small, large = args.fit_classes
                fit = [(c, run_fresh(args, c, None)) for c in (small, large)]
            (c0, p0), (c1, p1) = fit
            unchunked = p0 + (p1 - p0) * (num_classes - c0) / (c1 - c0)
            how = f'extrapolated from C = {c0}, {c1}'
        rows.append(dict(classes=num_classes, chunked_gb=chunked / 1e9,
                         unchunked_gb=unchunked / 1e9, unchunked=how))
        print(f'C={num_classes}: chunked {chunked / 1e9:.2f} GB, '
              f'unchunked {unchunked / 1e9:.2f} GB ({how})', flush=True)

    print(f'\nSigRL head, one training step, B={args.batch_size} '
          f'N={args.patches} D={args.dim} topk={args.topk}, chunk '
          f'{args.chunk_size} classes, device {args.device}')
    print('| C | chunked peak (GB) | unchunked peak (GB) | unchunked |')
    print('|---|---|---|---|')
    for row in rows:
        print(f"| {row['classes']} | {row['chunked_gb']:.2f} | "
              f"{row['unchunked_gb']:.2f} | {row['unchunked']} |")
    peaks = [row['chunked_gb'] for row in rows]
    print(f'chunked peak: largest / smallest = {max(peaks) / min(peaks):.3f}')
    result = dict(rows=rows, args=vars(args))
    if args.check:
        result['max_abs_diff'] = check_equal(args)
        print('chunked vs unchunked, scores and input gradients at C = '
              f'{min(args.classes)}: max |diff| = '
              f'{result["max_abs_diff"]:.2e}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=2)


if __name__ == '__main__':
    main()
