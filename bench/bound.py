"""The reference every speed goal is measured against: the bare float32 matrix product.

Member factors times product factors, for every member, as fast as this machine does it: the
product is timed in slices of 1,024 rows and in cache-sized slices, each written into one
reused output array, and the faster of the two counts. Nothing else (no offsets, no masks, no
top-n) is included, so a ratio against it is a ratio against the physical limit.
"""

from __future__ import annotations

import time

import numpy as np


def gemm_seconds(member_factors: np.ndarray, item_factors: np.ndarray) -> float:
    """Seconds for ``member_factors @ item_factors.T`` (float32), the faster of two slicings."""
    members = np.ascontiguousarray(member_factors, dtype=np.float32)
    items = np.ascontiguousarray(item_factors.T, dtype=np.float32)
    cache_rows = max(8, 2_500_000 // max(items.shape[1], 1))
    return min(_timed(members, items, rows) for rows in (1024, cache_rows))


def _timed(members: np.ndarray, items: np.ndarray, rows: int) -> float:
    out = np.empty((rows, items.shape[1]), dtype=np.float32)
    started = time.perf_counter()
    for start in range(0, len(members), rows):
        part = members[start : start + rows]
        np.matmul(part, items, out=out[: len(part)])
    return time.perf_counter() - started
