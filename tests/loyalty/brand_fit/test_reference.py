"""The compiled curation against a plain Python reference of the rules, on catalogues of a few
hundred products and members with a purchase history. The kernel's first shortlist is drawn
short too, so that its bounds, retries and growth are all exercised on small catalogues, and
so is the size from which a filled group is taken out in one pass over the catalogue.

The reference follows ``loyalty.brand_fit.curate``'s documented order one product at a time:
masks and boosts, each promotion's places best first, then the rest, every limit kept.
"""

from __future__ import annotations

from unittest import mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from loyalty.brand_fit import selection
from loyalty.brand_fit.block import rules_for_block
from loyalty.brand_fit.compile import compile_rules
from loyalty.brand_fit.curate import SHORTLIST_EXTRA, SHORTLIST_FACTOR
from loyalty.brand_fit.selection import kernel_rules, pick
from loyalty.brand_fit.validation import validate_rules
from tests.loyalty.brand_fit.catalogue import TODAY

BRANDS = ["Hemma", "Havre", "Arla", "Oatly", "Ica", "Garant", "Zeta", "Favorit"]
CATEGORIES = [f"Food > Aisle {i}" for i in range(12)]
# Predicates on the member's history, with what they mean for one (times, days) cell; a
# product not bought has times 0 and no days.
HISTORY = {
    "recent": ({"days_since_bought": {"lte": 7}}, lambda t, d, p: t > 0 and d <= 7),
    "regular": ({"times_bought": {"gte": 2}}, lambda t, d, p: t >= 2),
    "not recent": (
        {"not": {"days_since_bought": {"gt": 3}}},
        lambda t, d, p: not (t > 0 and d > 3),
    ),
    "own Hemma": (
        {"all": [{"times_bought": {"gte": 1}}, {"brand": "Hemma"}]},
        lambda t, d, p: t >= 1 and p["brand"] == "Hemma",
    ),
}
CATALOGUE = [{}, {"brand": "Hemma"}, {"tags": {"contains": "organic"}}, {"price": {"lt": 20}}]
MEMBERS = [{}, {"tier": "gold"}]
CHECKED = settings(max_examples=200, deadline=None)


@st.composite
def cases(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    size, m = draw(st.integers(65, 600)), draw(st.integers(1, 4))
    products = pd.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(size)],
            "brand": rng.choice(BRANDS, size),
            "category": rng.choice(CATEGORIES, size),
            "price": rng.choice([5.0, 15.0, 25.0], size),
            "tags": rng.choice(["", "organic", "organic;vegan"], size, p=[0.6, 0.3, 0.1]),
            "channels": rng.choice(["store", "store;web", "web"], size, p=[0.45, 0.45, 0.1]),
            "active": rng.random(size) > 0.05,
        }
    )
    members = pd.DataFrame(
        {"member_id": [f"M{i}" for i in range(m)], "tier": rng.choice(["basic", "gold"], m)}
    )
    values = np.array([-np.inf, -2.0, -1.0, -0.5, 0.0, 0.25, 0.5, 1.0, 2.0, 3.0], np.float32)
    scores = rng.choice(values, (m, size)) + rng.choice([0, 0, 0.001], (m, size))
    bought = rng.random((m, size)) < 0.15
    times = np.where(bought, rng.integers(1, 4, (m, size)), 0)
    days = np.where(bought, rng.integers(0, 30, (m, size)), 0)
    rules = draw(st.lists(rule(), max_size=6))
    rules = [{**r, "id": f"r{i}", "name": f"r{i}"} for i, r in enumerate(rules)]
    base = rng.choice(np.array([-0.5, 0.0, 0.5], np.float32), m)
    n = draw(st.integers(1, 12))
    return products, members, scores.astype(np.float32), times, days, rules, base, n


@st.composite
def rule(draw):
    effect = draw(st.sampled_from(["exclude", "include_only", "boost", "bury", "limit", "promote"]))
    products = draw(st.sampled_from([*CATALOGUE, *(p for p, _ in HISTORY.values())]))
    found = {
        "effect": effect,
        "products": products,
        "members": draw(st.sampled_from(MEMBERS)),
        "priority": draw(st.integers(-2, 2)),
    }
    if effect in ("boost", "bury"):
        found["strength"] = draw(st.sampled_from([0.2, 0.5, 1.0]))
    if effect == "limit":
        found["per"] = draw(st.sampled_from(["brand", "category"]))
        found["max"] = draw(st.integers(1, 3))
    if effect == "promote":
        found["share"] = draw(st.sampled_from([0.2, 0.5, 1.0]))
        found["products"] = draw(st.sampled_from([*CATALOGUE[1:], HISTORY["regular"][0]]))
    return found


@CHECKED
@given(cases(), st.sampled_from([1, 2, 5, None]), st.sampled_from([1, 8, None]))
def test_the_kernel_selects_what_the_reference_selects(case, shortlist, large_group):
    products, members, scores, times, days, rules, base, n = case
    compiled = compile_rules(validate_rules(rules), products, TODAY)
    history = sparse.csr_matrix(times), sparse.csr_matrix(days)
    block = rules_for_block(compiled, members, "store", "selection", *history)
    size = shortlist or SHORTLIST_FACTOR * n + SHORTLIST_EXTRA  # None: as curate() does
    with mock.patch.object(selection, "LARGE_GROUP", large_group or selection.LARGE_GROUP):
        kernel = kernel_rules(block)
    result = pick(scores, kernel, n, size, base)
    for row in range(len(members)):
        expected = reference(compiled, block, products, scores[row], times[row], days[row], row)
        selected = result.products[row]
        assert selected[selected >= 0].tolist() == expected(base[row], n)


def reference(compiled, block, products, scores, times, days, row):
    """The reference curation of one member: a function of the affinity base and ``n``."""
    records = products.to_dict("records")

    def matches(c) -> np.ndarray:
        if not c.reads_history:
            return c.products
        meaning = next(f for p, f in HISTORY.values() if p == c.rule.products)
        return np.array([meaning(t, d, p) for t, d, p in zip(times, days, records, strict=True)])

    in_scope = {a.rule.id for a in block.applied if a.members[row]}
    rules = [(c, matches(c)) for c in compiled.rules if c.rule.id in in_scope]
    allowed = compiled.catalogue.sold_in("store") & np.isfinite(scores)
    # Strengths add up in float32, those of the rules on the catalogue first, then those of
    # the rules that read the member's history (as the masks keep them): in another order
    # -0.2 - 1.0 + 1.0 is not -0.2 + 1.0 - 1.0, and a tie between two products would break
    # the other way.
    on_catalogue, on_history = (np.zeros(len(scores), np.float32) for _ in range(2))
    for c, match in rules:
        if c.rule.effect == "exclude":
            allowed &= ~match
        elif c.rule.effect == "include_only":
            allowed &= match
        elif c.rule.effect in ("boost", "bury"):
            sign = 1.0 if c.rule.effect == "boost" else -1.0
            part = on_history if c.reads_history else on_catalogue
            part += np.float32(sign * c.rule.strength) * match
    boost = on_catalogue + on_history
    moved = np.full(len(scores), -np.inf, np.float32)
    if allowed.any():
        high, low = scores[allowed].max(), scores[allowed].min()
        scale = float(max(abs(high), abs(low)))
        spread = np.float32(float(np.float32(high - low)) * 1.001 + 1e-6 * (1.0 + scale))
        moved[allowed] = scores[allowed] + boost[allowed] * spread
    order = sorted(np.flatnonzero(allowed), key=lambda j: (-moved[j], j))
    limits = [(c, match) for c, match in rules if c.rule.effect == "limit"]
    promotions = [(c, match) for c, match in rules if c.rule.effect == "promote"]

    def select(base, n) -> list[int]:
        chosen, counts = [], [{} for _ in limits]

        def take(j) -> bool:
            groups = [(x, c.groups[j]) for x, (c, match) in enumerate(limits) if match[j]]
            groups = [(x, g) for x, g in groups if g >= 0]
            if any(counts[x].get(g, 0) >= limits[x][0].rule.max for x, g in groups):
                return False
            for x, g in groups:
                counts[x][g] = counts[x].get(g, 0) + 1
            chosen.append(j)
            return True

        for c, match in promotions:
            quota = int(np.ceil(c.rule.share * n))
            liked = [j for j in order if match[j] and scores[j] > base]
            have = sum(j in chosen for j in liked)
            for j in liked:
                if have >= quota or len(chosen) >= n:
                    break
                if j not in chosen and take(j):
                    have += 1
        for j in order:
            if len(chosen) >= n:
                break
            if j not in chosen:
                take(j)
        return sorted(chosen, key=lambda j: (-moved[j], j))

    return select


def test_a_promotion_short_of_places_looks_past_the_groups_the_rest_fills():
    # Thirteen organic products of brand B (one per brand allowed), one of brand A further
    # down, and above them all a product of brand A that is not organic.
    brands = ["A"] + ["B"] * 13 + ["A"] + [f"C{i}" for i in range(30)]
    scores = (
        [3.0] + [2.0 - 0.05 * i for i in range(13)] + [0.5] + [2.5 - 0.05 * i for i in range(30)]
    )
    products = pd.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(len(brands))],
            "brand": brands,
            "category": "Food",
            "tags": ["", *["organic"] * 14, *[""] * 30],
            "channels": "store",
        }
    )
    rules = [
        {"name": "Organic", "effect": "promote", "share": 0.5, "priority": 1,
         "products": {"tags": {"contains": "organic"}}},
        {"name": "One per brand", "effect": "limit", "per": "brand", "max": 1},
    ]  # fmt: skip
    compiled = compile_rules(validate_rules(rules), products, TODAY)
    block = rules_for_block(compiled, pd.DataFrame({"member_id": ["M"]}), "store", "selection")
    scores = np.array([scores], np.float32)
    n = 4
    result = pick(scores, kernel_rules(block), n, SHORTLIST_FACTOR * n + SHORTLIST_EXTRA)
    expected = reference(compiled, block, products, scores[0], np.zeros(45), np.zeros(45), 0)
    # The promotion's two places: the best organic product of B, and the one of A.
    assert products["product_id"][result.products[0]].tolist() == ["P15", "P16", "P1", "P14"]
    assert result.products[0].tolist() == expected(0.0, n)


def test_a_promotion_does_not_take_a_place_from_another_promotions_list():
    # Organic fills every place. Its list, cut at three, loses P1 to the limit; P4 (organic
    # and Hemma) is in the shortlist only through the Hemma promotion's list, below P3, which
    # the organic list missed.
    products = pd.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(8)],
            "brand": ["A", "A", "A", "A", "Hemma", "B", "B", "B"],
            "category": ["c0", "c0", "c1", "c2", "c3", "c4", "c5", "c6"],
            "tags": ["organic"] * 5 + [""] * 3,
            "channels": "store",
        }
    )
    rules = [
        {"name": "Organic", "effect": "promote", "share": 1.0, "priority": 2,
         "products": {"tags": {"contains": "organic"}}},
        {"name": "Hemma", "effect": "promote", "share": 0.34, "priority": 1,
         "products": {"brand": "Hemma"}},
        {"name": "One per category", "effect": "limit", "per": "category", "max": 1},
    ]  # fmt: skip
    compiled = compile_rules(validate_rules(rules), products, TODAY)
    block = rules_for_block(compiled, pd.DataFrame({"member_id": ["M"]}), "store", "selection")
    scores = np.array([[3.0, 2.9, 2.8, 2.7, 2.0, 1.0, 0.9, 0.8]], np.float32)
    result = pick(scores, kernel_rules(block), 3, 1)
    expected = reference(compiled, block, products, scores[0], np.zeros(8), np.zeros(8), 0)
    assert expected(0.0, 3) == [0, 2, 3]
    assert result.products[0].tolist() == [0, 2, 3]


@pytest.mark.parametrize("large_group", [1, 1024])
def test_a_filled_brand_leaves_the_candidates_but_keeps_its_picks(large_group):
    # Forty products of brand A above everything else, one of each other brand below them.
    brands = ["A"] * 40 + [f"B{i}" for i in range(40)]
    products = pd.DataFrame(
        {"product_id": [f"P{i}" for i in range(80)], "brand": brands, "category": "Food"}
    )
    rules = [{"name": "Two per brand", "effect": "limit", "per": "brand", "max": 2}]
    compiled = compile_rules(validate_rules(rules), products, TODAY)
    block = rules_for_block(compiled, pd.DataFrame({"member_id": ["M"]}), "store", "selection")
    scores = np.array([np.linspace(10.0, 1.0, 80)], np.float32)
    with mock.patch.object(selection, "LARGE_GROUP", large_group):  # one pass, or one by one
        kernel = kernel_rules(block)
    result = pick(scores, kernel, 6, 4)
    assert result.products[0].tolist() == [0, 1, 40, 41, 42, 43]
