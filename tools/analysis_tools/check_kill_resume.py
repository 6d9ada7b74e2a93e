"""Kill training runs with SIGKILL at random moments and resume them.

Trains a config once without interruption, then ``--runs`` more times,
each killed with SIGKILL (the whole process group) at a random moment after
its first checkpoint, and resumed with ``tools/train.py --resume``. Every
resumed run must end with the uninterrupted run's final validation metrics
and final weights, bit for bit. Prints one line per run and exits non-zero
on any difference.

A kill that lands after the run wrote its last checkpoint (during the
final validation or while the process exits) tests nothing: the resumed
run has nothing left to train. Such runs are reported as such and not
counted; the check fails when no counted run remains.

Example (the shapes demo, shortened)::

    python tools/analysis_tools/check_kill_resume.py
    python tools/analysis_tools/check_kill_resume.py --runs 3 \\
        --cfg-options train_cfg.max_epochs=4
"""
import argparse
import glob
import json
import os
import os.path as osp
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

import torch

REPO_ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
sys.path.insert(0, REPO_ROOT)
from mmpretrain_mlr.utils import (checkpoint_problem,  # noqa: E402
                                  load_from_local_safe)
DEFAULT_CONFIG = 'configs/demo/dualcoop_shapes.py'
# A short demo run on a random CLIP (no cache to build): 6 epochs of 16
# iterations, validation on 128 images.
DEFAULT_OPTIONS = ('model.clip.pretrained=None',
                   'train_dataloader.dataset.num_images=512',
                   'val_dataloader.dataset.num_images=128',
                   'train_cfg.max_epochs=6')


def parse_args(argv=None):
    """Parse the command line (default: ``sys.argv[1:]``)."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config', nargs='?', default=DEFAULT_CONFIG)
    parser.add_argument('--runs', type=int, default=10,
                        help='killed-and-resumed runs (default 10)')
    parser.add_argument('--seed', type=int, default=0,
                        help='seed of the kill moments (default 0)')
    parser.add_argument('--work-dir', help='folder for the runs (default: '
                        'a temporary folder, removed afterwards)')
    parser.add_argument('--cfg-options', nargs='+',
                        default=list(DEFAULT_OPTIONS),
                        help='passed to tools/train.py (default: '
                        f'{" ".join(DEFAULT_OPTIONS)})')
    return parser.parse_args(argv)


def start_training(config, work_dir, options, log_path, resume=False):
    """Start tools/train.py in its own process group.

    Args:
        config (str): Config file.
        work_dir (str): The run's work directory.
        options (list[str]): ``--cfg-options`` pairs.
        log_path (str): File receiving stdout and stderr.
        resume (bool): Add ``--resume``. Defaults to False.

    Returns:
        subprocess.Popen: The running process.
    """
    cmd = [sys.executable, osp.join(REPO_ROOT, 'tools', 'train.py'), config,
           '--work-dir', work_dir, '--cfg-options', *options]
    if resume:
        cmd.append('--resume')
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get(
        'OMP_NUM_THREADS', '1'))
    log = open(log_path, 'w')
    return subprocess.Popen(cmd, cwd=REPO_ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True)


def wait_for_first_checkpoint(proc, work_dir):
    """Wait until the run has written its first checkpoint.

    Args:
        proc (subprocess.Popen): The training process.
        work_dir (str): Its work directory.

    Returns:
        float | None: Seconds waited, or None if the run ended first.
    """
    start = time.time()
    while not osp.exists(osp.join(work_dir, 'last_checkpoint')):
        if proc.poll() is not None:
            return None
        time.sleep(0.05)
    return time.time() - start


def final_metrics(work_dir):
    """The last validation record of the last run in ``work_dir``.

    Args:
        work_dir (str): A work directory.

    Returns:
        dict: Metric name -> value, and ``step`` (the epoch).
    """
    runs = sorted(glob.glob(osp.join(work_dir, '*/vis_data/scalars.json')))
    with open(runs[-1]) as f:
        records = [json.loads(line) for line in f]
    last = [r for r in records if any('mAP' in k for k in r)][-1]
    return {k: v for k, v in last.items() if k not in ('time', 'data_time')}


def last_weights(work_dir):
    """The weights of the checkpoint ``last_checkpoint`` names.

    Args:
        work_dir (str): A work directory.

    Returns:
        dict: The state dict.
    """
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        path = f.read().strip()
    return load_from_local_safe(path, map_location='cpu')['state_dict']


def last_checkpoint_name(work_dir):
    """The file name of the checkpoint ``last_checkpoint`` names."""
    with open(osp.join(work_dir, 'last_checkpoint')) as f:
        return osp.basename(f.read().strip())


def killed_after_last_checkpoint(work_dir, final_name):
    """Whether a killed run had already written its last checkpoint.

    Args:
        work_dir (str): The killed run's work directory.
        final_name (str): File name of the uninterrupted run's last
            checkpoint (e.g. ``'epoch_6.pth'``).

    Returns:
        bool: True if ``final_name`` is there and whole (checkpoints are
        written to a temporary file and renamed, so a present file is
        complete unless damaged).
    """
    path = osp.join(work_dir, final_name)
    return osp.isfile(path) and checkpoint_problem(path) is None


def summary(outcomes):
    """The closing line and exit status of the check.

    Args:
        outcomes (list[str]): One per killed run: ``'identical'``,
            ``'DIFFERENT'`` or ``'late'`` (killed after the last
            checkpoint: not counted).

    Returns:
        tuple[str, int]: The line to print and the exit status (1 on any
        difference, or when no run was killed before its last checkpoint).
    """
    late = outcomes.count('late')
    counted = len(outcomes) - late
    failures = outcomes.count('DIFFERENT')
    line = (f'{counted - failures} of {counted} killed runs resumed to the '
            'uninterrupted result')
    if late:
        line += (f'; {late} kill(s) landed after the last checkpoint and '
                 'are not counted (nothing was left to resume)')
    if not counted:
        line += '; no run was killed before its last checkpoint: nothing ' \
            'was checked (use longer runs, e.g. more epochs)'
    return line, int(bool(failures) or not counted)


def same_weights(a, b):
    """Whether two state dicts are equal, tensor for tensor."""
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def main(argv=None):
    """Run the check from the command line.

    Args:
        argv (list[str], optional): Arguments; defaults to ``sys.argv[1:]``.
    """
    args = parse_args(argv)
    root = args.work_dir or tempfile.mkdtemp(prefix='kill_resume_')
    os.makedirs(root, exist_ok=True)
    rng = random.Random(args.seed)

    ref_dir = osp.join(root, 'uninterrupted')
    start = time.time()
    proc = start_training(args.config, ref_dir, args.cfg_options,
                          osp.join(root, 'uninterrupted.log'))
    first = wait_for_first_checkpoint(proc, ref_dir)
    if proc.wait() != 0 or first is None:
        sys.exit(f'the uninterrupted run failed; see '
                 f'{osp.join(root, "uninterrupted.log")}')
    after_first = time.time() - start - first
    reference, ref_weights = final_metrics(ref_dir), last_weights(ref_dir)
    print(f'uninterrupted: {time.time() - start:.1f} s, first checkpoint at '
          f'{first:.1f} s; final metrics {reference}')

    final_name = last_checkpoint_name(ref_dir)
    outcomes = []
    for run in range(args.runs):
        work_dir = osp.join(root, f'run_{run}')
        # A moment after the first checkpoint, drawn from the uninterrupted
        # run's remaining time; if the run ends first (the machine was
        # faster this time), start it again and kill it sooner.
        delay = rng.uniform(0, 0.8 * after_first)
        for _ in range(5):
            shutil.rmtree(work_dir, ignore_errors=True)
            proc = start_training(args.config, work_dir, args.cfg_options,
                                  osp.join(root, f'run_{run}.log'))
            if wait_for_first_checkpoint(proc, work_dir) is None:
                sys.exit(f'run {run} ended before its first checkpoint')
            time.sleep(delay)
            if proc.poll() is None:
                break
            delay /= 2
        else:
            sys.exit(f'run {run} always ended before it could be killed')
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        present = sorted(n for n in os.listdir(work_dir)
                         if n.endswith(('.pth', '.tmp')))
        if killed_after_last_checkpoint(work_dir, final_name):
            outcomes.append('late')
            print(f'run {run}: killed {delay:5.1f} s after the first '
                  f'checkpoint, after the last one ({final_name}) was '
                  f'written; files then: {", ".join(present)}; not counted')
            continue
        resumed = start_training(args.config, work_dir, args.cfg_options,
                                 osp.join(root, f'run_{run}_resume.log'),
                                 resume=True)
        code = resumed.wait()
        with open(osp.join(root, f'run_{run}_resume.log')) as f:
            log = f.read()
        match = re.search(r'resumed epoch: (\d+), iter: (\d+)', log)
        ok = code == 0 and final_metrics(work_dir) == reference and \
            same_weights(last_weights(work_dir), ref_weights)
        outcomes.append('identical' if ok else 'DIFFERENT')
        print(f'run {run}: killed {delay:5.1f} s after the first checkpoint'
              f'; files then: '
              f'{", ".join(present)}; resumed from epoch '
              f'{match.group(1) if match else "?"}'
              f'{" (skipped unreadable)" if "Skipping" in log else ""}; '
              f'exit {code}; metrics and weights {outcomes[-1]}')
    line, status = summary(outcomes)
    print(line)
    sys.exit(status)


if __name__ == '__main__':
    main()
