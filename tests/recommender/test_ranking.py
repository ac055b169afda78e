import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.ranking import top_k


@settings(max_examples=60, deadline=None)
@given(
    st.integers(1, 6),
    st.integers(1, 3000),
    st.integers(1, 12),
    st.integers(0, 10**6),
    st.sampled_from([None, 3]),
)
def test_top_k_matches_a_stable_full_sort(n_rows, n_columns, k, seed, distinct):
    rng = np.random.default_rng(seed)
    scores = rng.standard_normal((n_rows, n_columns)).astype(np.float32)
    if distinct:  # many ties: the earlier column comes first
        scores = np.round(scores * distinct).astype(np.float32)
    scores[rng.random(scores.shape) < 0.3] = -np.inf
    scores[rng.random(scores.shape) < 0.01] = np.inf  # never returned, like -inf
    cols, best = top_k(scores, k)
    shown = np.where(np.isfinite(scores), scores, -np.inf)
    order = np.argsort(-shown, axis=1, kind="stable")[:, : min(k, n_columns)]
    expected = np.take_along_axis(shown, order, axis=1)
    assert np.array_equal(best, expected)
    assert np.array_equal(cols, np.where(np.isfinite(expected), order, -1))
