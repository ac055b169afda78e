"""Reasons in the member's own terms, computed only for the products that made the list.

* favourite: how often and how recently the member bought it;
* discovery: the member's own products that contributed most to its taste score. The
  contribution of own product j to new product i is ``c_uj * (y_i . y_j)``, the item-item
  part of implicit's ``explain`` without the member-specific weighting matrix (which costs a
  Cholesky factorisation per member); candidates are the member's 20 strongest habits.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from recommender.habits import Habits
from recommender.training import ragged_positions

HABITS_CONSIDERED = 20
NAMED = 2


def strongest_habits(habits: Habits, rows: np.ndarray, width: int = HABITS_CONSIDERED):
    """Each member's ``width`` products with most recent trips: (columns, weights), -1 padded."""
    positions = ragged_positions(habits.indptr, rows)
    block = np.repeat(np.arange(len(rows)), np.diff(habits.indptr)[rows])
    weight = habits.values["recent_long"][positions]
    order = np.lexsort((-weight, block))
    block, positions, weight = block[order], positions[order], weight[order]
    rank = np.arange(len(block)) - np.searchsorted(block, block)
    keep = rank < width
    cols = np.full((len(rows), width), -1, dtype=np.int64)
    weights = np.zeros((len(rows), width), dtype=np.float32)
    cols[block[keep], rank[keep]] = habits.indices[positions[keep]]
    weights[block[keep], rank[keep]] = weight[keep]
    return cols, weights


def discovery_sources(item_factors, habits: Habits, rows, chosen: np.ndarray) -> np.ndarray:
    """For chosen columns (block x n), the ``NAMED`` own products that explain each (-1 if none)."""
    own, weight = strongest_habits(habits, rows)
    contribution = (
        np.einsum(
            "bnf,bjf->bnj", item_factors[np.maximum(chosen, 0)], item_factors[np.maximum(own, 0)]
        )
        * np.log1p(weight)[:, None, :]
    )
    contribution[np.broadcast_to((own < 0)[:, None, :], contribution.shape)] = -np.inf
    best = np.argsort(-contribution, axis=2)[:, :, :NAMED]
    sources = np.take_along_axis(np.broadcast_to(own[:, None, :], contribution.shape), best, 2)
    useful = np.take_along_axis(contribution, best, axis=2) > 0
    return np.where(useful, sources, -1)


def favourite_reasons(trips: np.ndarray, days_since: np.ndarray) -> pd.Series:
    """ "You bought this 5 times, most recently 12 days ago"."""
    times = pd.Series(trips.astype(int).astype(str))
    times = times.where(trips != 1, "once").where(trips == 1, times + " times")
    days = np.maximum(days_since, 0).astype(int)
    ago = pd.Series(days.astype(str)) + " days ago"
    ago = ago.where(days != 1, "yesterday").where(days >= 1, "today")
    return "You bought this " + times + ", most recently " + ago


def discovery_reasons(source_names: np.ndarray) -> pd.Series:
    """ "Because you buy Oat milk and Rye bread" (names; empty strings where none)."""
    first, second = (pd.Series(source_names[:, i]) for i in range(NAMED))
    both = "Because you buy " + first + " and " + second
    one = "Because you buy " + first
    text = both.where(second != "", one).where(first != "", "New for you, picked for your tastes")
    return text
