"""Top-k over blocks of score rows, in compiled code (no Python loop over members)."""

from __future__ import annotations

import numba
import numpy as np
import scipy.sparse as sp

from loyalty.brand_fit.runs import (
    CHUNK,
    fill_run_best,
    kth_best,
    ranked_candidates,
    ranked_product,
)


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns and scores of the ``k`` best entries of every row, best first.

    ``-inf`` marks what may not be returned (nor are ``+inf`` and NaN); slots left empty come
    back as column -1 and ``-inf``. Ties go to the earlier column.

    A full ``argpartition`` of wide rows costs several times the matrix product that made
    them. Instead, per row, the k-th best of the best scores of each run of ``CHUNK`` columns
    bounds the row's k-th best from below (the k best runs each hold a distinct score at least
    that high); only the runs that reach it are looked into, and their few candidates sorted.
    """
    scores = np.ascontiguousarray(scores, dtype=np.float32)
    n_rows, n_columns = scores.shape
    k = min(k, n_columns)
    cols = np.full((n_rows, k), -1, dtype=np.int64)
    best = np.full((n_rows, k), -np.inf, dtype=np.float32)
    if k and n_rows:
        _top_k_rows(scores, k, cols, best)
    return cols, best


@numba.njit(cache=True, nogil=True)
def _top_k_rows(scores, k, cols, best):
    total = scores.shape[1]
    run_keys = np.empty((total + CHUNK - 1) // CHUNK, dtype=np.int32)
    run_best = run_keys.view(np.float32)
    ranked = np.empty(total, dtype=np.int64)
    for i in range(scores.shape[0]):
        row = scores[i]
        fill_run_best(row, run_keys)
        bound = kth_best(run_best, k) if k < len(run_best) else np.float32(-np.inf)
        found = ranked_candidates(row, run_best, bound, ranked)
        if found < k and bound > -np.inf:  # runs whose best is +inf or NaN held no candidate
            found = ranked_candidates(row, run_best, np.float32(-np.inf), ranked)
        ranked[:found].sort()
        for r in range(min(k, found)):
            j = ranked_product(ranked[found - 1 - r])
            cols[i, r] = j
            best[i, r] = row[j]


def mask_own(
    scores: np.ndarray, own: sp.csr_matrix, rows: np.ndarray, places: np.ndarray | None = None
) -> None:
    """Set the scores of products each member already bought to ``-inf`` (in place).

    ``places`` gives each product's column in ``scores`` (-1: not there) when the columns are
    not the products of ``own``.
    """
    block = own[rows]
    members = np.repeat(np.arange(len(rows)), np.diff(block.indptr))
    columns = block.indices if places is None else places[block.indices]
    scores[members[columns >= 0], columns[columns >= 0]] = -np.inf
