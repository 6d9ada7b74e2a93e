"""Tests of the label protocols (full, partial, observed-label files)."""
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from mmpretrain.registry import TASK_UTILS

import mmpretrain_mlr  # noqa: F401  (registers the protocols)
from mmpretrain_mlr.datasets import (FullLabels, ObservedLabelFile,
                                     PartialLabels)


def make_full(num_images=400, num_classes=20, seed=123, ignore_rate=0.05):
    """Random full labels: ~30 % positives, a few ignore (0) entries."""
    rng = np.random.RandomState(seed)
    full = np.where(rng.rand(num_images, num_classes) < 0.3, 1, -1)
    full[rng.rand(num_images, num_classes) < ignore_rate] = 0
    return full.astype(np.int8)


def keys_for(full):
    return [f'img_{i:05d}.jpg' for i in range(len(full))]


def published_partial(full, p, seed=0):
    """The published protocol, written with numpy's global generator."""
    state = np.random.get_state()
    try:
        np.random.seed(seed)
        draws = np.random.random(full.shape)
    finally:
        np.random.set_state(state)
    observed = full.copy()
    observed[draws >= p] = 0
    return observed


def global_state_equal(a, b):
    return a[0] == b[0] and np.array_equal(a[1], b[1]) and a[2:] == b[2:]


@pytest.mark.parametrize('p', [0.1, 0.3, 0.5, 0.9, 1.0])
def test_partial_matches_published_global_seed_protocol(p):
    full = make_full()
    state_before = np.random.get_state()
    observed = PartialLabels(p=p)(full, keys_for(full))
    assert global_state_equal(state_before, np.random.get_state())
    assert observed.dtype == np.int8
    np.testing.assert_array_equal(observed, published_partial(full, p))


@pytest.mark.parametrize('p', [0.1, 0.5, 0.9])
def test_partial_fraction_and_positives_negatives_dropped_alike(p):
    full = make_full(num_images=1000, num_classes=30)
    observed = PartialLabels(p=p)(full, keys_for(full))
    # Known entries keep their full value; ignore entries stay 0.
    known = observed != 0
    np.testing.assert_array_equal(observed[known], full[known])
    assert not observed[full == 0].any()
    for value in (1, -1):
        entries = full == value
        n = int(entries.sum())
        rate = known[entries].mean()
        tolerance = 4 * np.sqrt(p * (1 - p) / n)
        assert abs(rate - p) < tolerance, (value, rate, p)


def test_partial_p_one_keeps_everything_but_ignore():
    full = make_full()
    np.testing.assert_array_equal(
        PartialLabels(p=1.0)(full, keys_for(full)), full)


def test_partial_seed_changes_mask_and_same_seed_repeats():
    full = make_full()
    keys = keys_for(full)
    a = PartialLabels(p=0.5, seed=0)(full, keys)
    b = PartialLabels(p=0.5, seed=0)(full, keys)
    c = PartialLabels(p=0.5, seed=1)(full, keys)
    np.testing.assert_array_equal(a, b)
    assert (a != c).any()


def test_partial_identical_in_another_process(tmp_path):
    full = make_full()
    np.save(tmp_path / 'full.npy', full)
    script = textwrap.dedent("""
        import sys
        import numpy as np
        from mmpretrain_mlr.datasets.label_protocols import PartialLabels
        full = np.load(sys.argv[1])
        keys = [str(i) for i in range(len(full))]
        np.save(sys.argv[2], PartialLabels(p=0.4)(full, keys))
        """)
    subprocess.run([
        sys.executable, '-c', script,
        str(tmp_path / 'full.npy'),
        str(tmp_path / 'observed.npy')
    ],
                   check=True)
    other = np.load(tmp_path / 'observed.npy')
    np.testing.assert_array_equal(other,
                                  PartialLabels(p=0.4)(full, keys_for(full)))


@pytest.mark.parametrize('p', [0, -0.1, 1.5, float('nan'), '0.5', None, True])
def test_partial_rejects_p_outside_unit_interval(p):
    with pytest.raises(ValueError, match=r'`p`.*p='):
        PartialLabels(p=p)


def test_protocols_build_from_registry():
    protocol = TASK_UTILS.build(dict(type='PartialLabels', p=0.3, seed=2))
    assert isinstance(protocol, PartialLabels)
    assert (protocol.p, protocol.seed) == (0.3, 2)
    assert isinstance(TASK_UTILS.build(dict(type='FullLabels')), FullLabels)


def test_full_labels_and_input_checks():
    full = make_full()
    observed = FullLabels()(full, keys_for(full))
    np.testing.assert_array_equal(observed, full)
    assert observed.dtype == np.int8
    with pytest.raises(ValueError, match='found'):
        FullLabels()(full * 2, keys_for(full))
    with pytest.raises(ValueError, match='image keys'):
        FullLabels()(full, keys_for(full)[:-1])
    with pytest.raises(ValueError, match='2-D'):
        FullLabels()(full[0], ['a'])


# ---------------------------------------------------------------- the cache


def test_cache_round_trip(tmp_path, monkeypatch):
    full = make_full()
    keys = keys_for(full)
    cache = tmp_path / 'sub' / 'partial_0.5.npz'
    written = PartialLabels(p=0.5, cache_file=str(cache))(full, keys)
    assert cache.is_file()
    assert os.listdir(cache.parent) == ['partial_0.5.npz']
    with np.load(cache) as npz:
        np.testing.assert_array_equal(npz['observed'], written)
        assert npz['image_keys'].tolist() == keys
        assert '"p": 0.5' in str(npz['params'])

    # A second protocol reads the file instead of recomputing.
    def no_compute(self, full):
        raise AssertionError('the cache should have been read')

    monkeypatch.setattr(PartialLabels, 'observe', no_compute)
    read = PartialLabels(p=0.5, cache_file=str(cache))(full, keys)
    np.testing.assert_array_equal(read, written)


def _mismatch_cases(full):
    keys = keys_for(full)
    other_keys = list(keys)
    other_keys[7] = 'other.jpg'
    other_full = full.copy()
    other_full[3, 4] = -other_full[3, 4] if other_full[3, 4] else 1
    return {
        'params': (PartialLabels(p=0.6), full, keys, None, 'parameters'),
        'seed': (PartialLabels(p=0.5, seed=1), full, keys, None, 'seed'),
        'keys': (PartialLabels(p=0.5), full, other_keys, None, 'row 7'),
        'shape': (PartialLabels(p=0.5), full[:-1], keys[:-1], None,
                  'matrix'),
        'labels': (PartialLabels(p=0.5), other_full, keys, None,
                   'different full labels'),
        'classes': (PartialLabels(p=0.5), full, keys,
                    [f'c{i}' for i in range(full.shape[1])], 'classes'),
    }


@pytest.mark.parametrize(
    'case', ['params', 'seed', 'keys', 'shape', 'labels', 'classes'])
def test_cache_mismatch_raises_and_keeps_the_file(tmp_path, case):
    full = make_full()
    cache = tmp_path / 'labels.npz'
    PartialLabels(p=0.5, cache_file=str(cache))(full, keys_for(full))
    content = cache.read_bytes()
    protocol, other_full, keys, classes, what = _mismatch_cases(full)[case]
    protocol.cache_file = str(cache)
    with pytest.raises(ValueError) as error:
        protocol(other_full, keys, classes)
    assert str(cache) in str(error.value)
    assert what in str(error.value)
    assert cache.read_bytes() == content


def test_cache_not_npz_raises(tmp_path):
    cache = tmp_path / 'labels.npz'
    cache.write_text('not an npz')
    full = make_full()
    with pytest.raises(ValueError, match='labels.npz.*not a readable'):
        PartialLabels(p=0.5, cache_file=str(cache))(full, keys_for(full))


def _rewrite_cache(cache, **changes):
    """Rewrite a cache file with some of its arrays changed or removed."""
    with np.load(cache) as npz:
        arrays = {key: npz[key] for key in npz.files}
    for key, value in changes.items():
        if value is None:
            del arrays[key]
        else:
            arrays[key] = value
    with open(cache, 'wb') as f:
        np.savez(f, **arrays)


def test_cache_with_an_edited_matrix_is_refused(tmp_path):
    # the catalogue's case: every entry of the observed matrix set to +1;
    # shape, parameters, image keys, classes and full labels still match
    full = make_full()
    cache = tmp_path / 'labels.npz'
    PartialLabels(p=0.5, cache_file=str(cache))(full, keys_for(full))
    _rewrite_cache(cache, observed=np.ones(full.shape, dtype=np.int8))
    with pytest.raises(ValueError, match='labels.npz.*does not match the '
                       'digest'):
        PartialLabels(p=0.5, cache_file=str(cache))(full, keys_for(full))


def test_cache_with_one_flipped_label_is_refused(tmp_path):
    full = make_full()
    cache = tmp_path / 'labels.npz'
    observed = PartialLabels(p=0.5, cache_file=str(cache))(full,
                                                           keys_for(full))
    edited = observed.copy()
    edited[10, 3] = 1 if edited[10, 3] != 1 else -1
    _rewrite_cache(cache, observed=edited)
    with pytest.raises(ValueError, match='labels.npz'):
        PartialLabels(p=0.5, cache_file=str(cache))(full, keys_for(full))


def test_cache_without_a_matrix_digest_is_recomputed(tmp_path):
    # a cache of the earlier format (no observed_sha256), edited: it is
    # recomputed from the rule, not trusted, and rewritten with a digest
    full = make_full()
    cache = tmp_path / 'labels.npz'
    PartialLabels(p=0.5, cache_file=str(cache))(full, keys_for(full))
    _rewrite_cache(cache, observed=np.ones(full.shape, dtype=np.int8),
                   observed_sha256=None, version=np.array(1))
    read = PartialLabels(p=0.5, cache_file=str(cache))(full, keys_for(full))
    np.testing.assert_array_equal(read, published_partial(full, 0.5))
    with np.load(cache) as npz:
        assert 'observed_sha256' in npz.files
        np.testing.assert_array_equal(npz['observed'], read)


def test_cache_failed_write_leaves_no_file(tmp_path, monkeypatch):

    def failing_savez(file, **arrays):
        file.write(b'PK\x03\x04 half written')
        raise OSError('disk full')

    monkeypatch.setattr(np, 'savez', failing_savez)
    full = make_full()
    with pytest.raises(OSError, match='disk full'):
        PartialLabels(
            p=0.5, cache_file=str(tmp_path / 'labels.npz'))(full,
                                                            keys_for(full))
    assert os.listdir(tmp_path) == []


# ------------------------------------------------- observed-label files


def write_vectors(path, rows):
    path.write_text(''.join(','.join(str(v) for v in row) + '\n'
                            for row in rows))


def test_observed_label_file_reads_vectors(tmp_path):
    full = np.array([[1, -1, -1], [-1, 1, 0], [1, 1, -1]], dtype=np.int8)
    path = tmp_path / 'train_proportion_0.5.txt'
    path.write_text('1,0,-1\n0, 1, 0\n\n1,0,0\n')
    observed = ObservedLabelFile(str(path))(full, ['a', 'b', 'c'])
    assert observed.dtype == np.int8
    np.testing.assert_array_equal(observed,
                                  [[1, 0, -1], [0, 1, 0], [1, 0, 0]])
    protocol = TASK_UTILS.build(dict(type='ObservedLabelFile',
                                     path=str(path)))
    np.testing.assert_array_equal(protocol(full, ['a', 'b', 'c']), observed)


def test_observed_label_file_errors(tmp_path):
    full = np.array([[1, -1, -1], [-1, 1, -1]], dtype=np.int8)
    keys = ['a', 'b']
    path = tmp_path / 'labels.txt'

    write_vectors(path, [[1, 0, -1], [0, 1]])
    with pytest.raises(ValueError,
                       match=r'labels\.txt.*line 2.*expected 3'):
        ObservedLabelFile(str(path))(full, keys)

    write_vectors(path, [[1, 0, -1]])
    with pytest.raises(ValueError, match=r'labels\.txt.*holds 1.*has 2'):
        ObservedLabelFile(str(path))(full, keys)

    write_vectors(path, [[1, 0, -1], [0, 2, 0]])
    with pytest.raises(ValueError,
                       match=r'labels\.txt.*line 2, column 1.*got \'2\''):
        ObservedLabelFile(str(path))(full, keys)

    write_vectors(path, [[1, 0, -1], [0, 'x', 0]])
    with pytest.raises(ValueError, match=r'line 2, column 1'):
        ObservedLabelFile(str(path))(full, keys)

    write_vectors(path, [[1, 0, -1], [0, -1, 0]])
    with pytest.raises(ValueError,
                       match=r'line 2, column 1.*contradicts'):
        ObservedLabelFile(str(path))(full, keys)
    observed = ObservedLabelFile(
        str(path), check_consistency=False)(full, keys)
    assert observed[1, 1] == -1

    with pytest.raises(FileNotFoundError, match='missing.txt'):
        ObservedLabelFile(str(tmp_path / 'missing.txt'))(full, keys)


def test_observed_label_file_keeps_ignore_entries_unknown(tmp_path):
    full = np.array([[1, 0, -1]], dtype=np.int8)
    path = tmp_path / 'labels.txt'
    write_vectors(path, [[1, 1, -1]])
    observed = ObservedLabelFile(
        str(path), check_consistency=False)(full, ['a'])
    np.testing.assert_array_equal(observed, [[1, 0, -1]])
