import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.ranking import top_k


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 6), st.integers(1, 3000), st.integers(1, 12), st.integers(0, 10**6))
def test_top_k_matches_a_full_sort(n_rows, n_columns, k, seed):
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal((n_rows, n_columns)).astype(np.float32)
    scores[rng.random(scores.shape) < 0.3] = -np.inf
    cols, best = top_k(scores, k)
    expected = -np.sort(-scores, axis=1)[:, : min(k, n_columns)]
    assert np.array_equal(best, expected)
    found = cols >= 0
    assert np.array_equal(found, np.isfinite(expected))
    rows = np.broadcast_to(np.arange(n_rows)[:, None], cols.shape)
    assert np.array_equal(scores[rows[found], cols[found]], best[found])
