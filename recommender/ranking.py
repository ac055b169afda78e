"""Top-k over blocks of score rows, without a Python loop over members."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

# Rows are cut into groups of this many columns for the threshold in :func:`top_k`.
GROUP = 64


def top_k(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns and scores of the ``k`` best entries of every row, best first.

    ``-inf`` marks what may not be returned; such slots come back as column -1.

    A full ``argpartition`` of wide rows costs several times the matrix product that made
    them. Instead, the k-th largest of the per-group maxima is a lower bound of each row's
    k-th largest score (the k best groups each hold a distinct score at least that high), only
    groups whose maximum reaches it are looked into, and their few candidates sorted.
    """
    n_rows, n_columns = scores.shape
    k = min(k, n_columns)
    if k == 0 or n_rows == 0:
        return np.zeros((n_rows, k), np.int64), np.zeros((n_rows, k), scores.dtype)
    if n_columns < GROUP * k * 4:
        return _top_k_partition(scores, k)
    whole = n_columns - n_columns % GROUP
    groups = scores[:, :whole].reshape(n_rows, -1, GROUP)
    maxima = groups.max(axis=2)
    tail = scores[:, whole:]
    if tail.shape[1]:
        maxima = np.hstack([maxima, tail.max(axis=1, keepdims=True)])
    threshold = -np.partition(-maxima, k - 1, axis=1)[:, k - 1]
    # Only groups whose maximum reaches the threshold can hold a winner.
    rows, group = np.nonzero(maxima[:, : groups.shape[1]] >= threshold[:, None])
    cols = (group[:, None] * GROUP + np.arange(GROUP)).ravel()
    rows = np.repeat(rows, GROUP)
    tail_rows, tail_cols = np.nonzero(tail >= threshold[:, None])
    rows = np.concatenate([rows, tail_rows])
    cols = np.concatenate([cols, tail_cols + whole])
    values = scores[rows, cols]
    wanted = values >= threshold[rows]
    rows, cols, values = rows[wanted], cols[wanted], values[wanted]
    order = np.lexsort((-values, rows))
    rows, cols, values = rows[order], cols[order], values[order]
    # Candidate groups hold losers too; rank within the row decides.
    rank = np.arange(len(rows)) - np.searchsorted(rows, rows)
    keep = rank < k
    best_cols = np.full((n_rows, k), -1, dtype=np.int64)
    best = np.full((n_rows, k), -np.inf, dtype=scores.dtype)
    best_cols[rows[keep], rank[keep]] = cols[keep]
    best[rows[keep], rank[keep]] = values[keep]
    best_cols[~np.isfinite(best)] = -1
    return best_cols, best


def _top_k_partition(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """``top_k`` for narrow rows: argpartition, then sort the k survivors."""
    if k < scores.shape[1]:
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    else:
        part = np.broadcast_to(np.arange(scores.shape[1]), scores.shape).copy()
    best = np.take_along_axis(scores, part, axis=1)
    order = np.argsort(-best, axis=1, kind="stable")
    cols = np.take_along_axis(part, order, axis=1)
    best = np.take_along_axis(best, order, axis=1)
    cols[~np.isfinite(best)] = -1
    return cols, best


def mask_own(scores: np.ndarray, own: sp.csr_matrix, rows: np.ndarray) -> None:
    """Set the scores of products each member already bought to ``-inf`` (in place)."""
    block = own[rows]
    scores[np.repeat(np.arange(len(rows)), np.diff(block.indptr)), block.indices] = -np.inf
