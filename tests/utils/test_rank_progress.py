"""The heartbeat thread stops and is joined before the process exits (a
thread left inside a store call at interpreter shutdown aborts the
process)."""
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
