"""Reasons in the member's own terms, computed only for the products that made the list.

* favourite: how often and how recently the member bought it;
* discovery: the member's own products that contributed most to its taste score. The
  contribution of own product j to new product i is ``c_uj * (y_i . y_j)``, the item-item
  part of implicit's ``explain`` without the member-specific weighting matrix (which costs a
  Cholesky factorisation per member); candidates are the member's 20 strongest habits.

A selection of a million rows says the same few thousand things many times over, so each
distinct text is written once and the column is made by taking from those.
"""

from __future__ import annotations

import functools

import numba
import numpy as np
import pandas as pd

from loyalty.brand_fit.runs import insert_best_first
from recommender.habits import Habits

HABITS_CONSIDERED = 20
NAMED = 2
PERSONAL_PICK = "New for you, picked for your tastes"


def discovery_sources(
    item_factors: np.ndarray, habits: Habits, rows: np.ndarray, chosen: np.ndarray, is_own
) -> np.ndarray:
    """For chosen columns (block x n), the ``NAMED`` own products that explain each.

    Returns block x n x ``NAMED`` columns, -1 where none contributes (and for favourites,
    columns -1 and ``is_own`` slots).
    """
    sources = np.full((*chosen.shape, NAMED), -1, dtype=np.int64)
    _discovery_sources(
        np.ascontiguousarray(item_factors, dtype=np.float32),
        habits.indptr,
        habits.indices,
        habits.values["recent_long"],
        np.ascontiguousarray(rows, dtype=np.int64),
        np.ascontiguousarray(chosen, dtype=np.int64),
        np.ascontiguousarray(is_own, dtype=np.bool_),
        sources,
    )
    return sources


@numba.njit(cache=True, nogil=True)
def _discovery_sources(item_factors, indptr, indices, recent, rows, chosen, is_own, sources):
    own = np.empty(HABITS_CONSIDERED, dtype=np.int64)
    weight = np.empty(HABITS_CONSIDERED, dtype=np.float64)
    for i in range(len(rows)):
        # The member's strongest habits by recent trips, the earlier product first on ties.
        kept, low = 0, -np.inf
        for at in range(indptr[rows[i]], indptr[rows[i] + 1]):
            if recent[at] > low:  # -inf until the list is full
                kept, low = insert_best_first(
                    own, weight, 0, HABITS_CONSIDERED, kept, indices[at], recent[at]
                )
        for j in range(kept):
            weight[j] = np.log1p(weight[j])
        for s in range(chosen.shape[1]):
            product = chosen[i, s]
            if product < 0 or is_own[i, s]:
                continue
            first, second = -np.inf, -np.inf
            for j in range(kept):
                dot = np.float32(0.0)
                for f in range(item_factors.shape[1]):
                    dot += item_factors[product, f] * item_factors[own[j], f]
                contribution = dot * weight[j]
                if contribution > first:
                    second, sources[i, s, 1] = first, sources[i, s, 0]
                    first, sources[i, s, 0] = contribution, own[j]
                elif contribution > second:
                    second, sources[i, s, 1] = contribution, own[j]
            if first <= 0:
                sources[i, s, 0] = -1
            if second <= 0:
                sources[i, s, 1] = -1


def reason_texts(
    is_own: np.ndarray,
    trips: np.ndarray,
    days_since: np.ndarray,
    sources: np.ndarray,
    names: np.ndarray,
) -> pd.api.extensions.ExtensionArray:
    """The reason of every chosen slot (flat arrays; ``sources`` is slots x ``NAMED``).

    ``names`` are the display names by column, with "" last (for column -1).
    """
    times = trips[is_own].astype(np.int64)
    days = np.maximum(days_since[is_own], 0).astype(np.int64)
    habits, habit_at = np.unique((times << 32) | days, return_inverse=True)
    width = len(names)
    first, second = sources[~is_own, 0] % width, sources[~is_own, 1] % width  # -1: ""
    pairs, pair_at = np.unique(first * width + second, return_inverse=True)
    texts = [_favourite_text(key >> 32, key & 0xFFFFFFFF) for key in habits.tolist()]
    texts += [_discovery_text(names[key // width], names[key % width]) for key in pairs.tolist()]
    at = np.empty(len(is_own), dtype=np.int64)
    at[is_own], at[~is_own] = habit_at, len(habits) + pair_at
    return pd.array(texts, dtype="str").take(at)


@functools.lru_cache(maxsize=1 << 16)  # blocks repeat the same few thousand habits
def _favourite_text(times: int, days: int) -> str:
    """ "You bought this 5 times, most recently 12 days ago"."""
    how_often = "once" if times == 1 else f"{times} times"
    ago = "today" if days < 1 else "yesterday" if days == 1 else f"{days} days ago"
    return f"You bought this {how_often}, most recently {ago}"


def _discovery_text(first: str, second: str) -> str:
    """ "Because you buy Oat milk and Rye bread" (names; "" where none)."""
    if not first:
        return PERSONAL_PICK
    return f"Because you buy {first} and {second}" if second else f"Because you buy {first}"
