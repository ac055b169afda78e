"""Adds into a slice of dense scores in place, in compiled loops (no temporary arrays)."""

from __future__ import annotations

import numba
import numpy as np
from scipy import sparse


def add_gathered(scores: np.ndarray, table: np.ndarray, columns: np.ndarray) -> None:
    """``scores[i, j] += table[i, columns[j]]``: a per-member value for each product's group."""
    table = np.ascontiguousarray(table, dtype=np.float32)
    _add_gathered(scores, table, np.ascontiguousarray(columns, dtype=np.int64))


def add_item_to_item(
    scores: np.ndarray,
    bought: sparse.csr_matrix,
    rows: np.ndarray,
    similarity: sparse.csr_matrix,
    weight: float,
) -> None:
    """``scores[i] += weight * log(1 + bought[rows[i]] @ similarity)``, only where positive.

    The same sums, in the same order and precision, as adding ``features.item_to_item``
    (times ``weight``) to the scores, without building the sparse product.
    """
    start, columns, sums = _item_to_item_sums(
        bought.indptr,
        bought.indices,
        bought.data.astype(np.float32, copy=False),
        np.ascontiguousarray(rows, dtype=np.int64),
        similarity.indptr,
        similarity.indices,
        similarity.data.astype(np.float32, copy=False),
        similarity.shape[1],
    )
    np.log1p(np.maximum(sums, np.float32(0.0), out=sums), out=sums)  # numpy's vectorised log
    _add_at(scores, start, columns, sums, np.float32(weight))


@numba.njit(cache=True, nogil=True)
def _add_gathered(scores, table, columns):
    for i in range(scores.shape[0]):
        row, values = scores[i], table[i]
        for j in range(scores.shape[1]):
            row[j] += values[columns[j]]


@numba.njit(cache=True, nogil=True)
def _item_to_item_sums(indptr, indices, data, rows, near_ptr, near, similar, total):
    """Per member row, the products near its own and their summed similarity (CSR-like)."""
    room = 0
    for i in range(len(rows)):
        for k in range(indptr[rows[i]], indptr[rows[i] + 1]):
            room += near_ptr[indices[k] + 1] - near_ptr[indices[k]]
    start = np.zeros(len(rows) + 1, dtype=np.int64)
    columns = np.empty(room, dtype=np.int64)
    sums = np.empty(room, dtype=np.float32)
    running = np.zeros(total, dtype=np.float32)
    seen = np.zeros(total, dtype=np.bool_)
    found = 0
    for i in range(len(rows)):
        first = found
        for k in range(indptr[rows[i]], indptr[rows[i] + 1]):
            product, value = indices[k], data[k]
            for t in range(near_ptr[product], near_ptr[product + 1]):
                other = near[t]
                if not seen[other]:
                    seen[other] = True
                    columns[found] = other
                    found += 1
                running[other] += value * similar[t]
        for c in range(first, found):
            sums[c] = running[columns[c]]
            running[columns[c]] = 0.0
            seen[columns[c]] = False
        start[i + 1] = found
    return start, columns[:found], sums[:found]


@numba.njit(cache=True, nogil=True)
def _add_at(scores, start, columns, values, weight):
    for i in range(scores.shape[0]):
        for c in range(start[i], start[i + 1]):
            scores[i, columns[c]] += weight * values[c]
