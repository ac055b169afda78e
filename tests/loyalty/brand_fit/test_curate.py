"""Curation on small blocks with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from loyalty.brand_fit.block import rules_for_block
from loyalty.brand_fit.compile import compile_rules
from loyalty.brand_fit.curate import Curator, curate
from loyalty.brand_fit.validation import validate_rules
from tests.loyalty.brand_fit.catalogue import PRODUCTS, TODAY

MEMBERS = pd.DataFrame({"member_id": ["M1", "M2"], "tier": ["gold", "basic"]})
# Oat Milk, Pale Ale, Rye Bread, Snus, Coffee, Cider (inactive); the store sells P0-P3.
SCORES = np.array([[0.9, 0.8, 0.7, 0.6, 0.5, 0.4], [0.1, 0.8, 0.2, 0.6, 0.5, 0.4]], np.float32)


def curated(rules: list[dict], n: int = 3, scores=SCORES, channel="store", **options):
    compiled = compile_rules(validate_rules(rules), PRODUCTS, TODAY)
    block = rules_for_block(compiled, MEMBERS, channel, "selection")
    return curate(scores, block, n, **options)


def ids(products: np.ndarray) -> list[list[str]]:
    return [[str(PRODUCTS.product_id[p]) if p >= 0 else "-" for p in row] for row in products]


def test_without_rules_the_best_candidates_the_channel_sells():
    result = curated([])
    assert ids(result.products) == [["P0", "P1", "P2"], ["P1", "P3", "P2"]]
    assert result.scores[0].tolist() == pytest.approx([0.9, 0.8, 0.7])


def test_too_few_allowed_products_gives_a_shorter_list():
    rules = [
        {
            "name": "No drinks or tobacco",
            "effect": "exclude",
            "products": {"any": [{"category": {"prefix": "Drinks"}}, {"tags": "tobacco"}]},
        }
    ]
    result = curated(rules, n=4)
    assert ids(result.products) == [["P0", "P2", "-", "-"], ["P2", "P0", "-", "-"]]
    assert np.isneginf(result.scores[:, 2:]).all()


def test_boost_of_strength_one_puts_matching_products_first():
    rules = [{"name": "PL", "effect": "boost", "strength": 1, "products": {"brand": "Hemma"}}]
    assert ids(curated(rules).products) == [["P2", "P0", "P1"], ["P2", "P1", "P3"]]


def test_weak_boost_only_nudges_and_bury_sinks():
    rules = [
        {"name": "Nudge", "effect": "boost", "strength": 0.1, "products": {"brand": "Hemma"}},
        {"name": "Sink", "effect": "bury", "strength": 1, "products": {"tags": "alcohol"}},
    ]
    # Member 1: scores 0.9 .. 0.6, spread 0.3: Rye Bread moves from 0.7 to about 0.73.
    assert ids(curated(rules, n=4).products) == [["P0", "P2", "P3", "P1"], ["P3", "P2", "P0", "P1"]]


def test_limit_walks_down_the_ranked_list():
    rules = [{"name": "One per brand", "effect": "limit", "per": "brand", "max": 1}]
    scores = np.array([[0.9, 0.8, 0.7, 0.6, 0.5, 0.4]] * 2, np.float32)
    result = curated(rules, n=4, scores=scores, channel="web")
    # The web sells P0, P2, P4 (P4 is Hemma like P2), P5 is inactive.
    assert ids(result.products) == [["P0", "P2", "-", "-"]] * 2


def test_promote_reserves_places_for_products_the_member_likes():
    rules = [
        {"name": "Organic", "effect": "promote", "share": 0.5, "products": {"tags": "organic"}}
    ]
    scores = np.array([[0.1, 0.8, 0.7, 0.6, 0.5, 0.4], [-0.1, 0.8, 0.7, 0.6, 0.5, 0.4]], np.float32)
    result = curated(rules, n=2, scores=scores)
    # Member 2 has no affinity for Oat Milk (negative score): the place goes to the best.
    assert ids(result.products) == [["P1", "P0"], ["P1", "P2"]]


NO_BEER_FOR_BASIC = {
    "name": "No beer for basic",
    "effect": "exclude",
    "products": {"tags": "alcohol"},
    "members": {"tier": "basic"},
}


def test_member_scope_and_explanations():
    rules = [
        NO_BEER_FOR_BASIC,
        {"name": "PL", "effect": "boost", "strength": 1, "products": {"brand": "Hemma"}},
    ]
    result = curated(rules, n=2, explain_rules=True)
    assert ids(result.products) == [["P2", "P0"], ["P2", "P3"]]
    gold, basic = result.explanations
    assert ("P1", "pl", "moved_down") in gold and ("P2", "pl", "moved_up") in gold
    assert ("P1", "no-beer-for-basic", "removed") in basic


def test_a_long_limit_grows_the_shortlist():
    n_products = 200
    products = pd.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(n_products)],
            "name": "x",
            "brand": ["Big"] * 150 + [f"B{i}" for i in range(50)],
            "category": "Food",
            "price": 1.0,
        }
    )
    rules = validate_rules([{"name": "Two", "effect": "limit", "per": "brand", "max": 2}])
    compiled = compile_rules(rules, products, TODAY)
    block = rules_for_block(compiled, MEMBERS.iloc[:1], "web", "selection")
    scores = np.linspace(1, 0, n_products, dtype=np.float32)[None, :]
    result = curate(scores, block, 10)
    assert (result.products[0] >= 0).all()
    assert list(products.brand[result.products[0]]).count("Big") == 2


# A member-scoped exclude, a boost, a promote and a limit: every step of the walk.
EVERY_KIND = [
    NO_BEER_FOR_BASIC,
    {"name": "PL", "effect": "boost", "strength": 0.5, "products": {"brand": "Hemma"}},
    {"name": "Organic", "effect": "promote", "share": 0.5, "products": {"tags": "organic"}},
    {"name": "One per brand", "effect": "limit", "per": "brand", "max": 1},
]


def test_a_shortlist_that_has_to_grow_gives_the_same_answer(monkeypatch):
    from loyalty.brand_fit import curate as curation

    whole = curated(EVERY_KIND, n=3, explain_rules=True)
    # A shortlist of one product: the limit rejects, the shortlist grows, the member is
    # walked again.
    monkeypatch.setattr(curation, "SHORTLIST_FACTOR", 0)
    monkeypatch.setattr(curation, "SHORTLIST_EXTRA", 1)
    grown = curated(EVERY_KIND, n=3, explain_rules=True)
    assert np.array_equal(whole.products, grown.products)
    assert np.array_equal(whole.scores, grown.scores)
    assert whole.explanations == grown.explanations


def test_curating_a_block_a_few_rows_at_a_time_gives_the_same_answer():
    compiled = compile_rules(validate_rules(EVERY_KIND), PRODUCTS, TODAY)
    curator = Curator(rules_for_block(compiled, MEMBERS, "store", "selection"))
    whole = curator.curate(SCORES, 3)
    rows = [curator.curate(SCORES[i : i + 1], 3, first=i) for i in range(len(SCORES))]
    assert np.array_equal(whole.products, np.vstack([r.products for r in rows]))
    assert np.array_equal(whole.scores, np.vstack([r.scores for r in rows]))
    # The basic member (row 1) keeps the exclusion when curated alone.
    assert "P1" not in ids(rows[1].products)[0]


@pytest.mark.parametrize(
    ("strength", "expected"),
    [
        (0.3, ["coffee", "rye", "oat", "crisp", "cheese"]),
        (1.0, ["rye", "crisp", "coffee", "oat", "cheese"]),
    ],
)
def test_the_worked_example_of_strength_in_the_docs(strength, expected):
    names = ["coffee", "oat", "rye", "cheese", "crisp"]
    products = pd.DataFrame(
        {
            "product_id": names,
            "name": names,
            "brand": ["Zoegas", "Oatly", "Hemma", "Arla", "Hemma"],
            "category": "Food",
            "price": 10.0,
        }
    )
    rules = validate_rules(
        {
            "name": "Private label first",
            "effect": "boost",
            "strength": strength,
            "products": {"brand": "Hemma"},
        }
    )
    block = rules_for_block(compile_rules(rules, products, TODAY), MEMBERS[:1], "web", "selection")
    scores = np.array([[1.0, 0.8, 0.6, 0.4, 0.2]], np.float32)
    assert [names[p] for p in curate(scores, block, 5).products[0]] == expected
