"""The heartbeat thread stops and is joined before the process exits (a
thread left inside a store call at interpreter shutdown aborts the
process); a rank that dies in a job started without torchrun is named
by the rank that survives."""
import os
import os.path as osp
import re
import signal
import subprocess
import sys

import torch.distributed as dist

from mmpretrain_mlr.utils import rank_progress


def test_heartbeat_stops_and_joins(tmp_path):
    dist.init_process_group('gloo', init_method=f'file://{tmp_path}/store',
                            rank=0, world_size=1)
    try:
        assert rank_progress.start_heartbeat(interval=0.05)
        [(stop, thread)] = rank_progress._heartbeats
        assert thread.is_alive()
        rank_progress.stop_heartbeat()
        assert stop.is_set() and not thread.is_alive()
        assert rank_progress._heartbeats == []
        # a later run of the same process starts a new one
        assert rank_progress.start_heartbeat(interval=0.05)
        rank_progress.stop_heartbeat()
    finally:
        dist.destroy_process_group()


def _run_job_without_torchrun(dead, port):
    """Start both ranks by hand (no torchrun); return each one's output."""
    worker = osp.join(osp.dirname(osp.abspath(__file__)),
                      'dead_rank_worker.py')
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('TORCHELASTIC')}
    env.update(WORLD_SIZE='2', MASTER_ADDR='127.0.0.1',
               MASTER_PORT=str(port), OMP_NUM_THREADS='1')
    jobs = [subprocess.Popen(
        [sys.executable, worker, str(dead)],
        env=dict(env, RANK=str(rank), LOCAL_RANK=str(rank)),
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        for rank in (0, 1)]
    outputs = []
    for job in jobs:
        out, _ = job.communicate(timeout=120)
        outputs.append((job.returncode, out))
    return outputs


def test_dead_rank_is_named_without_torchrun(free_port):
    (code0, out0), (code1, _) = _run_job_without_torchrun(1, free_port)
    assert code1 == -signal.SIGKILL
    assert code0 != 0
    assert 'ENDED WITH StalledRankError: Rank 0: lost the connection' in out0
    assert re.search(r'rank 1 \(its process \d+ has exited; last at train '
                     r'iteration 5\)', out0), out0[-2000:]


def test_dead_rank_0_is_named_by_its_store_without_torchrun(free_port):
    (code0, _), (code1, out1) = _run_job_without_torchrun(0, free_port)
    assert code0 == -signal.SIGKILL
    assert code1 != 0
    assert 'ENDED WITH StalledRankError: Rank 1:' in out1
    assert "rank 0 (the job's key-value store" in out1, out1[-2000:]
    assert 'rank 1 (' not in out1  # never itself
