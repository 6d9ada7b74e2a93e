"""A stopped process ends a 2-process CPU job within the timeout."""
import os
import signal
import subprocess
import sys
import time

from .conftest import REPO_ROOT

TIMEOUT = 10  # env_cfg.dist_cfg.timeout, seconds


def _worker_pid(port, rank):
    """PID of the torchrun worker with ``rank`` in the job on ``port``."""
    wanted = {f'RANK={rank}'.encode(), f'MASTER_PORT={port}'.encode()}
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try:
            with open(f'/proc/{pid}/environ', 'rb') as f:
                environ = set(f.read().split(b'\0'))
        except OSError:
            continue
        if wanted <= environ and b'LOCAL_RANK=%d' % rank in environ:
            return int(pid)
    return None


def test_stopped_rank_ends_the_job_with_an_error_naming_it(
        rel_config, free_port, tmp_path):
    log_path = tmp_path / 'job.log'
    env = dict(os.environ, OMP_NUM_THREADS='1', PYTHON=sys.executable,
               PORT=str(free_port), CUDA_VISIBLE_DEVICES='')
    with open(log_path, 'w') as log:
        job = subprocess.Popen(
            ['bash', 'tools/dist_train.sh', str(rel_config), '2',
             '--work-dir', str(tmp_path / 'work'), '--cfg-options',
             'train_cfg.max_epochs=500',
             f'env_cfg.dist_cfg.timeout={TIMEOUT}'],
            cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True)
    stopped = None
    try:
        deadline = time.time() + 120
        while 'Epoch(train)   [2]' not in log_path.read_text():
            assert job.poll() is None and time.time() < deadline, \
                log_path.read_text()[-3000:]
            time.sleep(0.2)
        stopped = _worker_pid(free_port, 1)
        os.kill(stopped, signal.SIGSTOP)
        start = time.time()
        returncode = job.wait(timeout=TIMEOUT + 60)
        elapsed = time.time() - start
    finally:
        if stopped is not None:
            try:
                os.kill(stopped, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()
    log = log_path.read_text()
    assert returncode != 0
    assert 'StalledRankError: Rank 0: a collective operation timed out ' \
        f'after {TIMEOUT} s (env_cfg.dist_cfg.timeout): rank 1 (no ' \
        'heartbeat for' in log
    assert 'Killed the stalled rank(s) [1]' in log
    # the timeout, not torchrun's 30 s grace for a process ignoring SIGTERM
    assert elapsed < TIMEOUT + 15, elapsed
