"""Float32 scores as integer keys that sort the same way, and the best of each run of products.

The curation kernel (:mod:`loyalty.brand_fit.selection`) and the plain top-n
(:func:`recommender.ranking.top_k`) both find a row's best products the same way: the best
score of each run of ``CHUNK`` products, the k-th best of those as a bound, and only the runs
that reach it looked into.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

CHUNK = 64

# Float32 maxima and minima are taken on integer keys: LLVM vectorises integer reductions but
# not float ones. ``order_key`` maps a float's bits to an integer of the same order (and back).
NEG_INF_BITS = np.int32(-8388608)  # the bits of float32 -inf
POS_INF_BITS = np.int32(2139095040)  # and of +inf
LOWEST_KEY = np.int32(-2139095041)  # the key of -inf
HIGHEST_KEY = np.int32(2139095040)  # the key of +inf


@intrinsic
def as_float32(typingctx, bits):
    """The float32 whose bits are the int32 ``bits``, in a register: loops that would go
    through an array view for it (a store and a load per value) vectorise without one."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.FloatType())

    return types.float32(types.int32), codegen


@intrinsic
def as_int32(typingctx, value):
    """The bits of the float32 ``value`` as an int32 (the reverse of :func:`as_float32`)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(32))

    return types.int32(types.float32), codegen


@numba.njit(cache=True, nogil=True, inline="always")
def order_key(bits):
    # int32 throughout: numba widens integer arithmetic to int64, which halves the lanes.
    return np.int32(bits ^ ((bits >> np.int32(31)) & np.int32(0x7FFFFFFF)))


@numba.njit(cache=True, nogil=True)
def fill_run_best(moved, run_keys):
    """The best of each run of ``CHUNK`` products of ``moved``, into ``run_keys``: as float32
    bits, so that ``run_keys.view(np.float32)`` holds the values."""
    bits = moved.view(np.int32)
    full = len(moved) // CHUNK
    for chunk in range(full):
        start = chunk * CHUNK
        best = LOWEST_KEY
        for k in range(CHUNK):
            best = max(best, order_key(bits[start + k]))
        run_keys[chunk] = order_key(best)
    if full < len(run_keys):
        best = LOWEST_KEY
        for j in range(full * CHUNK, len(moved)):
            best = max(best, order_key(bits[j]))
        run_keys[full] = order_key(best)


@numba.njit(cache=True, nogil=True)
def kth_best(values, k):
    """The ``k``-th largest of float32 ``values`` (a quickselect on their integer keys)."""
    keys = np.empty(len(values), dtype=np.int32)
    bits = values.view(np.int32)
    for j in range(len(values)):
        keys[j] = order_key(bits[j])
    target, low, high = len(keys) - k, 0, len(keys) - 1
    while low < high:
        x, y, z = keys[low], keys[(low + high) >> 1], keys[high]
        pivot = max(min(x, y), min(max(x, y), z))  # the median of three
        i, j = low, high
        while i <= j:
            while keys[i] < pivot:
                i += 1
            while keys[j] > pivot:
                j -= 1
            if i <= j:
                keys[i], keys[j] = keys[j], keys[i]
                i += 1
                j -= 1
        if target <= j:
            high = j
        elif target >= i:
            low = i
        else:
            break
    keys[0] = order_key(keys[target])
    return keys[:1].view(np.float32)[0]


@numba.njit(cache=True, nogil=True, inline="always")
def rank_key(bits, product):
    """One integer that sorts like the score (float32 ``bits``), then the earlier product."""
    key = order_key(bits)
    key += np.int32(key == np.int32(-1))  # -0.0 ties with 0.0, as floats do
    return (np.int64(key) << 32) | (np.int64(0x7FFFFFFF) - product)


@numba.njit(cache=True, nogil=True, inline="always")
def ranked_product(key):
    """The product of a :func:`rank_key`."""
    return np.int64(0x7FFFFFFF) - (key & np.int64(0xFFFFFFFF))


@numba.njit(cache=True, nogil=True)
def ranked_candidates(row, run_best, bound, ranked):
    """Into ``ranked``, the rank keys of the finite scores of ``row`` at least ``bound``, from
    the runs whose best (``run_best``) reaches it; returns how many."""
    bits, total, found = row.view(np.int32), len(row), 0
    for run in range(len(run_best)):
        if run_best[run] < bound or run_best[run] == -np.inf:
            continue
        for j in range(run * CHUNK, min(run * CHUNK + CHUNK, total)):
            if row[j] >= bound and -np.inf < row[j] < np.inf:
                ranked[found] = rank_key(bits[j], j)
                found += 1
    return found


@numba.njit(cache=True, nogil=True, inline="always")
def insert_best_first(items, values, start, size, filled, item, value):
    """Insert ``item`` into a list of at most ``size`` kept best first from ``start`` (ties:
    the earlier inserted first); return its fill and its worst value (-inf until full)."""
    if filled < size:
        r = start + filled
        filled += 1
    else:
        r = start + size - 1
    while r > start and values[r - 1] < value:
        items[r] = items[r - 1]
        values[r] = values[r - 1]
        r -= 1
    items[r] = item
    values[r] = value
    low = values[start + size - 1] if filled == size else -np.inf
    return filled, low
