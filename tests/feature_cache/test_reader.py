"""The cached-sample reader follows the view file through every rewrite,
in this process and in a copy sent to a dataloader worker."""
import pickle

from mmpretrain_mlr.feature_cache.reader import (CachedSampleReader,
                                                 write_view)
from mmpretrain_mlr.feature_cache.store import FeatureStore


def reader_of(tmp_path, num_views, view_file=None):
    stores = [FeatureStore(str(tmp_path / f'view{v}'))
              for v in range(num_views)]
    return CachedSampleReader(dataset=None, stores=stores, pack=None,
                              depth=None, view_file=view_file)


def test_one_view_needs_no_file(tmp_path):
    assert reader_of(tmp_path, 1).current_view() == 0


def test_every_rewrite_is_seen_even_within_a_clock_tick(tmp_path):
    view_file = str(tmp_path / 'feature_cache_view')
    write_view(view_file, 0)
    reader = reader_of(tmp_path, 3, view_file)
    # back-to-back rewrites, as fast as the file system takes them: many
    # fall within one tick of a coarse modification-time clock
    for epoch in range(40):
        write_view(view_file, epoch)
        assert reader.current_view() == epoch % 3
        assert reader.current_view() == epoch % 3  # read again: unchanged


def test_a_worker_copy_follows_the_file(tmp_path):
    view_file = str(tmp_path / 'feature_cache_view')
    write_view(view_file, 1)
    reader = reader_of(tmp_path, 2, view_file)
    assert reader.current_view() == 1
    worker = pickle.loads(pickle.dumps(reader))  # a spawned worker's copy
    write_view(view_file, 2)
    assert worker.current_view() == 0 and reader.current_view() == 0
