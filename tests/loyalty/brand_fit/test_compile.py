"""Compiling rules into masks over a small catalogue with a known answer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from loyalty.brand_fit import selection
from loyalty.brand_fit.block import may_be_shown, rules_for_block
from loyalty.brand_fit.compile import compile_rules
from loyalty.brand_fit.validation import validate_rules
from tests.loyalty.brand_fit.catalogue import PRODUCTS, TODAY


def matching(products: dict) -> list[str]:
    [rule] = validate_rules({"name": "r", "effect": "exclude", "products": products})
    compiled = compile_rules([rule], PRODUCTS, TODAY)
    return list(compiled.product_ids[compiled.rules[0].products])


@pytest.mark.parametrize(
    ("products", "expected"),
    [
        ({}, ["P0", "P1", "P2", "P3", "P4", "P5"]),
        ({"brand": "Hemma"}, ["P2", "P4"]),
        ({"category": {"prefix": "Drinks > Alcohol"}}, ["P1"]),
        ({"category": {"contains": "Alcohol"}}, ["P1", "P5"]),
        ({"category": "Drinks > Alcoholfree"}, ["P5"]),
        ({"tags": {"contains": "organic"}}, ["P0", "P4"]),
        ({"tags": "vegan"}, ["P0"]),
        ({"tags": {"in": ["alcohol", "tobacco"]}}, ["P1", "P3"]),
        ({"tags": {"exists": False}}, ["P5"]),
        ({"channels": {"not_in": ["web"]}}, ["P1", "P3"]),
        ({"all": [{"price": {"gte": 29}}, {"price": {"lt": 55}}]}, ["P2", "P4"]),
        ({"margin_pct": {"ne": 30}}, ["P0", "P2", "P4", "P5"]),
        ({"margin_pct": {"exists": False}}, ["P3"]),
        ({"age_days": {"lte": 30}}, ["P0"]),
        ({"attr_origin": "SE"}, ["P0", "P2"]),
        ({"attr_origin": {"ne": "SE"}}, ["P4"]),
        ({"product_id": {"prefix": "P1"}}, ["P1"]),
        ({"any": [{"brand": "Nordic"}, {"price": {"lt": 16}}]}, ["P3", "P5"]),
        ({"not": {"brand": "Hemma"}, "price": {"lt": 25}}, ["P0", "P1", "P5"]),
    ],
)
def test_product_predicates(products, expected):
    assert matching(products) == expected


def test_rules_outside_their_window_or_disabled_are_left_out():
    rules = validate_rules(
        [
            {"name": "Past", "effect": "exclude", "active_until": "2026-11-22"},
            {"name": "Future", "effect": "exclude", "active_from": "2026-11-24"},
            {"name": "Off", "effect": "exclude", "enabled": False},
            {"name": "Today", "effect": "exclude", "active_from": "2026-11-23", "priority": -1},
            {"name": "Top", "effect": "bury", "strength": 0.5, "priority": 5},
        ]
    )
    assert [c.rule.id for c in compile_rules(rules, PRODUCTS, TODAY).rules] == ["top", "today"]


def block(rules: list[dict], members: pd.DataFrame, **history):
    compiled = compile_rules(validate_rules(rules), PRODUCTS, TODAY)
    return rules_for_block(compiled, members, "store", "selection", **history)


def test_member_scope_and_missing_member_fields():
    members = pd.DataFrame({"member_id": ["M1", "M2", "M3"], "age": [17, 45, None]})
    rules = [
        {
            "name": "Adults",
            "effect": "exclude",
            "products": {"tags": "alcohol"},
            "members": {"age": {"lt": 20}},
        },
        {"name": "Lapsing", "effect": "exclude", "members": {"journey_stage": "lapsing"}},
    ]
    allowed = block(rules, members).allowed()
    # P4 is web only and P5 inactive: never allowed in the store.
    assert allowed.tolist() == [
        [True, False, True, True, False, False],
        [True, True, True, True, False, False],
        [True, True, True, True, False, False],
    ]


def test_history_rules_read_each_members_purchases():
    members = pd.DataFrame({"member_id": ["M1", "M2"]})
    times = sparse.csr_matrix(np.array([[2, 1, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]))
    days = sparse.csr_matrix(np.array([[3, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 0]]))
    rules = [
        {"name": "Not again", "effect": "exclude", "products": {"days_since_bought": {"lte": 7}}},
        {
            "name": "Favourites",
            "effect": "boost",
            "strength": 0.5,
            "products": {"times_bought": {"gte": 2}, "brand": "Havre"},
        },
    ]
    rules_block = block(rules, members, times_bought=times, days_since_bought=days)
    # P1 was bought today (day 0, stored as an implicit zero) and still counts as last week.
    assert rules_block.allowed()[:, :4].tolist() == [[False, False, True, True], [True] * 4]
    assert rules_block.boost()[:, 0].tolist() == [0.5, 0.0]


def test_include_only_boost_and_max_discount_per_segment():
    members = pd.DataFrame({"member_id": ["M1", "M2"], "tier": ["gold", "basic"]})
    rules = [
        {
            "name": "Food only",
            "effect": "include_only",
            "products": {"category": {"prefix": "Food"}},
            "members": {"tier": "basic"},
        },
        {"name": "Cap", "effect": "max_discount", "percent": 30},
        {
            "name": "Cap gold",
            "effect": "max_discount",
            "percent": 20,
            "members": {"tier": "gold"},
            "products": {"brand": "Hemma"},
        },
        {"name": "PL", "effect": "boost", "strength": 0.2, "products": {"brand": "Hemma"}},
        {"name": "PL2", "effect": "bury", "strength": 0.1, "products": {"brand": "Hemma"}},
    ]
    compiled = compile_rules(validate_rules(rules), PRODUCTS, TODAY)
    offers = rules_for_block(compiled, members, "store", "offers")
    assert offers.allowed()[:, :4].tolist() == [[True] * 4, [True, False, True, False]]
    first_three = np.array([[0, 1, 2], [0, 1, 2]])
    assert offers.max_discount(first_three).tolist() == [[30, 30, 20], [30, 30, 30]]
    assert offers.max_discount(np.array([[2], [2]])).tolist() == [[20], [30]]
    assert offers.boost()[0, :3] == pytest.approx([0, 0, 0.1])
    selection = rules_for_block(compiled, members, "store", "selection")
    assert selection.max_discount(first_three) is None


def test_members_alike_under_the_rules_are_those_with_the_same_rules_and_no_own_products():
    members = pd.DataFrame(
        {"member_id": [f"M{i}" for i in range(6)], "tier": ["gold", "basic"] * 3,
         "age": [45, 45, 50, 45, 45, 30]}
    )  # fmt: skip
    rules = [
        {"name": "Gold: no alcohol", "effect": "exclude", "members": {"tier": "gold"},
         "products": {"tags": {"in": ["alcohol"]}}},
        {"name": "50 and over: organic first", "effect": "promote", "share": 0.5,
         "members": {"age": {"gte": 50}}, "products": {"tags": {"contains": "organic"}}},
        {"name": "Not this week", "effect": "exclude",
         "products": {"days_since_bought": {"lte": 7}}},
        {"name": "40 and over: one per brand", "effect": "limit", "per": "brand", "max": 1,
         "members": {"age": {"gte": 40}}},
    ]  # fmt: skip
    # M4 bought P0 two days ago: its own products read the rules' own values.
    bought = sparse.csr_matrix(([1.0], ([4], [0])), shape=(6, len(PRODUCTS)))
    days = sparse.csr_matrix(([2.0], ([4], [0])), shape=(6, len(PRODUCTS)))
    rules_of = block(rules, members, times_bought=bought, days_since_bought=days)
    alike = selection.alike_members(selection.kernel_rules(rules_of))
    # M0: gold; M1 and M3: basic; M2: 50 or over; M4: a purchase of its own; M5: under 40.
    assert alike.tolist() == [0, 1, 2, 1, 4, 5]


def test_products_no_member_may_be_shown_are_those_rules_for_everyone_leave_out():
    rules = validate_rules(
        [
            {"name": "No tobacco", "effect": "exclude", "products": {"tags": "tobacco"}},
            {"name": "Adults only", "effect": "exclude", "products": {"tags": "alcohol"},
             "members": {"age": {"lt": 20}}},
            {"name": "Not this week", "effect": "exclude",
             "products": {"days_since_bought": {"lte": 7}}},
            {"name": "No coffee offers", "effect": "exclude", "applies_to": ["offers"],
             "products": {"category": {"prefix": "Drinks > Coffee"}}},
            {"name": "Web: no bread", "effect": "exclude", "channels": ["web"],
             "products": {"category": {"prefix": "Food > Bakery"}}},
        ]
    )  # fmt: skip
    compiled = compile_rules(rules, PRODUCTS, TODAY)

    def shown(channel, target):
        return list(compiled.product_ids[may_be_shown(compiled, channel, target)])

    # P3 is tobacco, P5 inactive; P1 (alcohol) is excluded for some members only, and every
    # product may be outside a member's last week.
    assert shown("store", "selection") == ["P0", "P1", "P2"]
    assert shown("store", "offers") == ["P0", "P1", "P2"]  # P4 (coffee) is not sold in store
    assert shown("web", "selection") == ["P0", "P4"]  # no bread (P2) on the web
    assert shown("web", "offers") == ["P0"]
    only = validate_rules([{"name": "Milk only", "effect": "include_only",
                            "products": {"category": {"prefix": "Food > Dairy"}}}])  # fmt: skip
    compiled = compile_rules(only, PRODUCTS, TODAY)
    assert list(compiled.product_ids[may_be_shown(compiled, "store", "offers")]) == ["P0"]
