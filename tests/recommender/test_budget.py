"""The budget goes greedily to the offers worth most per unit of face value, and never over."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recommender.budget import allocate, value_per_cost

CENTS = st.integers(0, 2000).map(lambda cents: cents / 100)


def greedy(ratio, cost, budget):
    """The rule as written: best ratio first (ties: first listed), take what still fits."""
    taken, left = np.zeros(len(ratio), dtype=bool), budget
    for i in sorted(range(len(ratio)), key=lambda i: (-ratio[i], i)):
        if cost[i] <= left + 1e-9:
            taken[i], left = True, left - cost[i]
    return taken


def test_the_best_value_per_cost_comes_first():
    ratio = np.array([1.0, 5.0, 3.0])
    cost = np.array([4.0, 4.0, 4.0])
    assert allocate(ratio, cost, 8.0).tolist() == [False, True, True]


def test_an_offer_that_does_not_fit_is_skipped_and_cheaper_later_ones_still_get_in():
    ratio = np.array([9.0, 8.0, 7.0, 6.0, 5.0])
    cost = np.array([6.0, 5.0, 3.0, 1.0, 2.0])
    # 6 fits, 5 does not (11 > 10), 3 does (9), 1 does (10), 2 no longer does.
    assert allocate(ratio, cost, 10.0).tolist() == [True, False, True, True, False]


def test_offers_without_face_value_always_get_in():
    cost = np.array([5.0, 0.0, 7.0, 0.0])
    ratio = value_per_cost(np.array([10.0, 1.0, 70.0, 0.0]), cost)
    assert np.isinf(ratio[[1, 3]]).all()
    assert allocate(ratio, cost, 0.0).tolist() == [False, True, False, True]
    assert allocate(ratio, cost, 4.0).tolist() == [False, True, False, True]


def test_ties_go_to_the_first_listed_and_nothing_fits_an_empty_list():
    assert allocate(np.ones(3), np.full(3, 2.0), 4.0).tolist() == [True, True, False]
    assert allocate(np.zeros(0), np.zeros(0), 10.0).tolist() == []


def test_many_skips_in_a_row_still_reach_cheap_offers_at_the_end():
    # Each cheap offer that fits is followed by a dear one that now fits alone but not after
    # it: one skip per offer, a hundred in a row, and a last offer that still fits.
    dear = 0.5 - 0.004 * np.arange(100)
    cost = np.r_[0.5, np.column_stack([np.full(100, 0.004), dear]).ravel(), 0.05]
    ratio = np.arange(len(cost), 0, -1, dtype=np.float64)
    taken = allocate(ratio, cost, 1.0)
    assert taken.tolist() == greedy(ratio, cost, 1.0).tolist()
    assert taken[-1] and cost[taken].sum() <= 1.0


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0, 100), CENTS), max_size=60),
    st.integers(0, 5000).map(lambda cents: cents / 100),
)
def test_the_budget_is_never_exceeded_and_the_greedy_is_kept(offers, budget):
    ratio = np.array([r for r, _ in offers], dtype=np.float64)
    cost = np.array([c for _, c in offers], dtype=np.float64)
    taken = allocate(ratio, cost, budget)
    assert cost[taken].sum() <= budget + 1e-6
    assert (taken[cost == 0]).all()
    assert taken.tolist() == greedy(ratio, cost, budget).tolist()
    assert (allocate(ratio.copy(), cost.copy(), budget) == taken).all()  # deterministic
