"""Spending a campaign's budget on the offers worth most.

Every candidate offer has an expected value (what the member is expected to spend on the
product: the model's purchase chance times the price) and a face value (what the offer costs
if redeemed). The budget goes greedily to the offers with the most expected value per unit of
face value, best first. An offer that no longer fits is skipped and cheaper ones after it still
get in; offers without face value (perks such as early access) always fit. This is the classic
greedy for the knapsack problem: it spends the budget where each unit buys the most expected
sales, and it is vectorised (a sort and a cumulative sum per round).
"""

from __future__ import annotations

import numpy as np


def value_per_cost(expected_value: np.ndarray, face_value: np.ndarray) -> np.ndarray:
    """Expected value per unit of face value (``inf`` for offers that cost nothing)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(face_value > 0, expected_value / face_value, np.inf)


def allocate(ratio: np.ndarray, face_value: np.ndarray, budget: float) -> np.ndarray:
    """Which offers the budget pays for: greedy by ``ratio``, best first (ties: first listed).

    Returns a bool mask; the chosen face values add up to at most ``budget``.
    """
    if face_value.sum() <= budget + 1e-9:  # all of them fit: nothing to rank
        return np.ones(len(ratio), dtype=bool)
    order = np.lexsort((np.arange(len(ratio)), -ratio))
    cost = face_value[order]
    chosen = np.zeros(len(order), dtype=bool)
    left = float(budget)
    # Rounds until nothing is left to try: every round takes at least one offer (the first
    # open one fits on its own) and drops the first that no longer fits, so the loop ends;
    # a fixed number of rounds would leave cheap offers out after many skips.
    open_ = np.arange(len(order))
    while len(open_):
        open_ = open_[cost[open_] <= left + 1e-9]
        fits = np.cumsum(cost[open_]) <= left + 1e-9
        chosen[open_[fits]] = True
        left -= float(cost[open_[fits]].sum())
        open_ = open_[~fits][1:]  # the first that did not fit is skipped
    mask = np.zeros(len(order), dtype=bool)
    mask[order[chosen]] = True
    return mask
