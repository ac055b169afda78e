"""Offer rows: each member's offers ranked 1, 2, ... in the order chosen."""

from __future__ import annotations

import pandas as pd

from recommender.offers import _ranks


def test_ranks_count_along_each_members_offers_together_or_apart():
    together = pd.array(["m1", "m1", "m1", "m2", "m3", "m3"], dtype="str")
    assert _ranks(together).tolist() == [1, 2, 3, 1, 1, 2]
    apart = pd.array(["m1", "m2", "m1", "m2", "m1"], dtype="str")
    assert _ranks(apart).tolist() == [1, 1, 2, 2, 3]
    assert _ranks(pd.array(["m1"], dtype="str")).tolist() == [1]
    assert _ranks(pd.array([], dtype="str")).tolist() == []
