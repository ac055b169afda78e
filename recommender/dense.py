"""Adds into a slice of dense scores in place, in compiled loops (no temporary arrays)."""

from __future__ import annotations

import numba
import numpy as np
from scipy import sparse


def add_gathered(scores: np.ndarray, table: np.ndarray, columns: np.ndarray) -> None:
    """``scores[i, j] += table[i, columns[j]]``: a per-member value for each product's group."""
    table = np.ascontiguousarray(table, dtype=np.float32)
    _add_gathered(scores, table, np.ascontiguousarray(columns, dtype=np.int64))


def add_sparse(scores: np.ndarray, rows: sparse.csr_matrix) -> None:
    """``scores += rows`` for a CSR matrix of the same shape."""
    _add_sparse(scores, rows.indptr, rows.indices, rows.data.astype(np.float32, copy=False))


@numba.njit(cache=True, nogil=True)
def _add_gathered(scores, table, columns):
    for i in range(scores.shape[0]):
        row, values = scores[i], table[i]
        for j in range(scores.shape[1]):
            row[j] += values[columns[j]]


@numba.njit(cache=True, nogil=True)
def _add_sparse(scores, indptr, indices, data):
    for i in range(scores.shape[0]):
        for k in range(indptr[i], indptr[i + 1]):
            scores[i, indices[k]] += data[k]
