"""The published partial-label protocol written out independently of the
library, for tests to compare against."""
import numpy as np


def published_partial_labels(full, p: float) -> np.ndarray:
    """``np.random.seed(0); np.random.random((N, C)) < p`` keeps an entry
    of ``full`` [N, C]; numpy's global state is restored afterwards."""
    full = np.asarray(full)
    state = np.random.get_state()
    np.random.seed(0)
    known = np.random.random(full.shape) < p
    np.random.set_state(state)
    assert 0 < known.sum() < known.size, 'a test needs known and unknown'
    return np.where(known, full, 0).astype(np.int8)
