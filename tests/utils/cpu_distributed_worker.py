"""One process of the torchrun job of test_cpu_distributed.py: the CPU path
of ``prepare_cpu_distributed`` with nothing replaced (the test hides the
GPUs). Writes what the process found to ``OUT_DIR/rank<r>.json``.

    python -m torch.distributed.run --nproc_per_node 2 \\
        tests/utils/cpu_distributed_worker.py OUT_DIR
"""
import json
import os.path as osp
import sys

import torch
import torch.distributed as dist
from mmengine.config import Config
from mmengine.device import get_device

from mmpretrain_mlr.utils.cpu_distributed import prepare_cpu_distributed


def main(out_dir):
    cfg = Config(dict(env_cfg=dict(dist_cfg=dict(backend='nccl'))))
    applied = prepare_cpu_distributed(cfg, 'pytorch')
    rank = dist.get_rank()
    total = torch.tensor([rank + 1.])
    dist.all_reduce(total)
    found = dict(applied=applied, device=get_device(),
                 backend=dist.get_backend(),
                 world_size=dist.get_world_size(),
                 cfg_backend=cfg.env_cfg.dist_cfg.backend,
                 device_ids=cfg.model_wrapper_cfg.device_ids,
                 all_reduce=total.item())
    with open(osp.join(out_dir, f'rank{rank}.json'), 'w') as f:
        json.dump(found, f)
    dist.destroy_process_group()


if __name__ == '__main__':
    main(sys.argv[1])
