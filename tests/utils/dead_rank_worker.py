"""One rank of a 2-process gloo job started without torchrun (RANK,
WORLD_SIZE, MASTER_* set by hand); the rank given on the command line
SIGKILLs itself at step 5. A surviving rank prints the error it ends with.

    python tests/utils/dead_rank_worker.py <dead rank>
"""
import datetime
import importlib.util
import os
import signal
import sys
import time

import torch
import torch.distributed as dist

# rank_progress.py alone (it needs only torch): importing the package would
# build every registry, seconds per process
_PATH = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__)))), 'mmpretrain_mlr', 'utils',
    'rank_progress.py')
_spec = importlib.util.spec_from_file_location('rank_progress', _PATH)
rank_progress = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(rank_progress)


def main():
    dead = int(sys.argv[1])
    dist.init_process_group('gloo', init_method='env://',
                            timeout=datetime.timedelta(seconds=30))
    rank = dist.get_rank()
    rank_progress.start_heartbeat(interval=0.2)
    tensor = torch.ones(1)
    try:
        for step in range(1, 10000):
            rank_progress.publish_progress('train', step)
            if rank == dead and step == 5:
                os.kill(os.getpid(), signal.SIGKILL)
            dist.all_reduce(tensor)
            time.sleep(0.02)
    except RuntimeError as err:
        try:
            rank_progress.raise_if_stalled(err, 30)
        except Exception as named:  # noqa: B902
            print(f'ENDED WITH {type(named).__name__}: {named}', flush=True)
            rank_progress.stop_heartbeat()
            os._exit(1)
        print(f'ENDED WITH {type(err).__name__}: {err}', flush=True)
        os._exit(1)


if __name__ == '__main__':
    main()
