"""Holdouts and offer ids are deterministic: the same inputs give the same answer, always."""

from __future__ import annotations

import numpy as np

from loyalty.offers.identity import in_holdout, offer_ids

MEMBERS = [f"m{i:05d}" for i in range(20_000)]


def test_the_holdout_is_close_to_the_share_asked_for():
    for share in (0.05, 0.1, 0.5):
        held = in_holdout(MEMBERS, "spring", share)
        # Binomial standard deviation is at most 0.0035 here: 0.01 is about three of them.
        assert abs(held.mean() - share) < 0.01


def test_no_share_no_holdout():
    assert not in_holdout(MEMBERS, "spring", 0.0).any()
    assert in_holdout([], "spring", 0.2).tolist() == []


def test_the_holdout_is_deterministic_and_differs_by_campaign():
    spring = in_holdout(MEMBERS, "spring", 0.1)
    assert (in_holdout(MEMBERS, "spring", 0.1) == spring).all()
    assert (in_holdout(MEMBERS[::-1], "spring", 0.1) == spring[::-1]).all()  # per member
    autumn = in_holdout(MEMBERS, "autumn", 0.1)
    assert (autumn != spring).any()
    # Independent draws: about a tenth of one holdout is in the other.
    assert abs((spring & autumn).sum() / spring.sum() - 0.1) < 0.03


def test_a_larger_share_keeps_the_smaller_holdout():
    small, large = in_holdout(MEMBERS, "spring", 0.05), in_holdout(MEMBERS, "spring", 0.2)
    assert (large[small]).all()


def test_offer_ids_are_stable_and_differ_when_anything_differs():
    (first,) = offer_ids("spring", ["m00"], ["p01"], ["ten-off"])
    assert first == "o584c9355c6e90251"  # pinned: a regenerated campaign keeps its ids
    ids = offer_ids(
        "spring",
        ["m00", "m01", "m00", "m00"],
        ["p01", "p01", "p02", "p01"],
        ["ten-off", "ten-off", "ten-off", "points"],
    )
    assert ids[0] == first and len(set(ids)) == 4
    assert offer_ids("autumn", ["m00"], ["p01"], ["ten-off"])[0] != first
    assert all(i.startswith("o") and len(i) == 17 for i in ids)
    assert (
        offer_ids("spring", np.array([7]), ["p01"], ["b"])[0]
        == offer_ids("spring", ["7"], ["p01"], ["b"])[0]
    )
