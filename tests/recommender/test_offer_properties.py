"""Offers keep every constraint, for any benefits, rules and campaign (hypothesis).

One small model is trained once for the module on the checkerboard shop, reshaped so that its
members are in every journey stage: some stopped shopping a month ago (lapsing), some two
months ago (lapsed), some started two weeks ago (new), one has no history at all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from hypothesis import Phase, event, given, settings
from hypothesis import strategies as st

from loyalty.brand_fit.block import member_leaf
from loyalty.brand_fit.compile import compile_rules
from loyalty.brand_fit.conditions import evaluate
from loyalty.brand_fit.validation import validate_rules
from loyalty.journey import STAGES
from loyalty.offers.benefits import BENEFIT_TYPES, DISCOUNTS, KINDS, validate_benefits
from loyalty.offers.campaigns import make_campaign
from loyalty.offers.identity import in_holdout
from loyalty.offers.value import discount_percent, face_values, margin_after
from recommender.curation import member_fields, member_stages
from recommender.model import SelectionModel
from recommender.offers import (
    OfferContext,
    choose_offers,
    count_members,
    finish_offers,
    generate_offers,
    with_rules,
)
from tests.recommender.conftest import START, checkerboard

TODAY = date(2024, 3, 25)  # the day after the checkerboard's last week
LAPSING = {"m05", "m06", "m15"}  # last trip in week 7: four to five weeks away
LAPSED = {"m07", "m08", "m16"}  # last trip in week 2: ten weeks away
NEW = {"m09", "m17"}  # first trip in week 10
EVERYONE = [f"m{i:02d}" for i in range(20)] + ["new"]
# No shrinking: an example takes a tenth of a second and shrinking one would take minutes.
PROPERTIES = settings(
    max_examples=40, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate]
)


def shop_history() -> pd.DataFrame:
    lines = checkerboard()
    week = (lines["timestamp"] - START).dt.days // 7
    member = lines["member_id"]
    kept = (
        (~member.isin(LAPSING) | (week <= 7))
        & (~member.isin(LAPSED) | (week <= 2))
        & (~member.isin(NEW) | (week >= 10))
    )
    return lines[kept].reset_index(drop=True)


def shop_products() -> pd.DataFrame:
    ids = [f"p{i:02d}" for i in range(10)]
    return pd.DataFrame(
        {
            "product_id": ids,
            "name": [f"Product {i}" for i in range(10)],
            "brand": ["Acme", "Hemma"] * 5,
            "category": ["Food > Dairy > Milk"] * 5 + ["Food > Bakery > Bread"] * 5,
            "price": [2.5, 4.0, 12.0, 30.0, 60.0, 1.2, 8.0, 19.9, 45.0, 3.3],
            "margin_pct": [30.0, 45.0, np.nan, 20.0, 60.0, 10.0, 35.0, np.nan, 50.0, 25.0],
            "tags": [
                "organic",
                "",
                "alcohol",
                "organic;private_label",
                "",
                "",
                "alcohol",
                "",
                "",
                "",
            ],
            "channels": ["store;web"] * 4 + ["web", "store", "store;web", "web", "store", "store"],
            "active": [True] * 8 + [False, True],
        }
    )


def shop_members() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member_id": EVERYONE,
            "tier": ["gold" if i % 2 else "basic" for i in range(21)],
            "birth_year": [1950 + 3 * i for i in range(21)],
            "consent_personalization": [i != 1 for i in range(21)],
        }
    )


@pytest.fixture(scope="module")
def shop():
    products, members = shop_products(), shop_members()
    params = {"factors": 2, "iterations": 10, "random_state": 1, "regularization": 0.01}
    model = SelectionModel(**params).fit(shop_history(), products)
    fields = member_fields(model, EVERYONE, members, TODAY, model.now_day(pd.Timestamp(TODAY)))
    return model, products, members, fields.set_index("member_id")


def test_the_shop_has_members_in_every_stage(shop):
    model = shop[0]
    stages = dict(zip(EVERYONE, member_stages(model, EVERYONE, pd.Timestamp(TODAY)), strict=True))
    assert {stages[m] for m in LAPSING} == {"lapsing"}
    assert {stages[m] for m in LAPSED} == {"lapsed"}
    assert {stages[m] for m in NEW | {"new"}} == {"new"}
    assert stages["m00"] == stages["m10"] == "active"


MEMBER_PREDICATES = [
    {},
    {"tier": "gold"},
    {"not": {"tier": "basic"}},
    {"journey_stage": "lapsed"},
    {"journey_stage": {"in": ["new", "lapsing"]}},
    {"age": {"lt": 40}},
]
PRODUCT_PREDICATES = [
    {},
    {"tags": "alcohol"},
    {"brand": "Hemma"},
    {"price": {"lt": 10}},
    {"category": {"prefix": "Food > Dairy"}},
    {"product_id": {"in": ["p00", "p05", "p07"]}},
]
VALUES = {
    "percent_off": [5.0, 10.0, 25.0, 50.0, 95.0],
    "amount_off": [0.5, 1.0, 3.0, 10.0],
    "points_multiplier": [1.5, 2.0, 5.0],
    "bonus_points": [50.0, 200.0, 1000.0],
}


def subsets(values):
    return st.lists(st.sampled_from(values), min_size=1, max_size=len(values), unique=True)


@st.composite
def benefit_lists(draw, types=BENEFIT_TYPES):
    benefits = []
    for index in range(draw(st.integers(1, 6))):
        kind = draw(st.sampled_from(types))
        benefit = {
            "id": f"b{index}",
            "name": f"Benefit {index}",
            "type": kind,
            "members": draw(st.sampled_from([{}, {}, *MEMBER_PREDICATES])),
            "products": draw(st.sampled_from([{}, {}, *PRODUCT_PREDICATES[:4]])),
            "stages": draw(st.one_of(st.just(list(STAGES)), subsets(STAGES))),
            "kinds": draw(st.one_of(st.just(list(KINDS)), subsets(KINDS))),
            "max_per_member": draw(st.integers(1, 3)),
        }
        if kind in VALUES:
            benefit["value"] = draw(st.sampled_from(VALUES[kind]))
        benefits.append(benefit)
    return validate_benefits(benefits)


@st.composite
def rule_lists(draw):
    rules = []
    for index in range(draw(st.integers(0, 4))):
        effect = draw(st.sampled_from(["exclude", "include_only", "max_discount"]))
        rule = {
            "id": f"r{index}",
            "name": f"Rule {index}",
            "effect": effect,
            "products": draw(st.sampled_from(PRODUCT_PREDICATES)),
            "members": draw(st.sampled_from(MEMBER_PREDICATES)),
            "channels": draw(st.sampled_from([["store"], ["web"], ["store", "web"]])),
            "applies_to": draw(
                st.sampled_from([["selection"], ["offers"], ["selection", "offers"]])
            ),
        }
        if effect == "max_discount":
            rule["percent"] = draw(st.sampled_from([0.0, 5.0, 10.1, 20.0, 33.3, 60.0]))
        rules.append(rule)
    return validate_rules(rules)


campaigns = st.fixed_dictionaries(
    {
        "name": st.sampled_from(["spring", "win-back"]),
        "budget": st.sampled_from([0.0, 0.5, 5.0, 20.0, 1000.0, 1000.0]),
        "offers_per_member": st.integers(1, 4),
        "holdout": st.sampled_from([0.0, 0.2, 0.5]),
        "margin_floor": st.sampled_from([None, 0.0, 15.0, 40.0]),
        "valid_from": st.just(TODAY.isoformat()),
        "valid_until": st.just((TODAY + timedelta(days=14)).isoformat()),
    }
).map(make_campaign)


def offers_for(shop, benefits, rules, campaign):
    model, products, members, _ = shop
    context = OfferContext(
        campaign=campaign,
        benefits=benefits,
        products=products,
        members=members,
        rules=compile_rules(rules, products, TODAY, version=3),
        as_of=TODAY,
        run_id="run-1",
        model_version="model-1",
    )
    return generate_offers(model, context)


def in_scope(rule, effect, offer, fields):
    """Whether ``rule`` (of ``effect``) applies to offers for this member in its channels."""
    if rule.effect != effect or "offers" not in rule.applies_to:
        return False
    if not set(offer.channels.split(";")) & set(rule.channels):
        return False
    return member_matches(rule.members, offer.member_id, fields)


def applicable(rule, effect, offer, fields, products):
    """:func:`in_scope`, and the rule's products include the offer's."""
    return in_scope(rule, effect, offer, fields) and bool(
        product_matches(rule.products, offer.product_id, products)
    )


def member_matches(predicate, member_id, fields):
    member = fields.loc[[member_id]].reset_index()
    return bool(np.broadcast_to(evaluate(predicate, member_leaf(member)), (1,))[0])


def product_matches(predicate, product_id, products):
    compiled = compile_rules([], products, TODAY)
    at = list(compiled.product_ids).index(product_id)
    return compiled.product_mask(predicate)[at]


@PROPERTIES
@given(
    benefits=st.one_of(benefit_lists(), benefit_lists(DISCOUNTS)),
    rules=rule_lists(),
    campaign=campaigns,
)
def test_offers_keep_every_constraint(shop, benefits, rules, campaign):
    _, products, _, fields = shop
    offers, summary = offers_for(shop, benefits, rules, campaign)
    event(f"offers: {'some' if len(offers) else 'none'}")
    event(f"discounts: {bool(offers['benefit_type'].isin(DISCOUNTS).any())}")
    catalogue = products.set_index("product_id")
    by_id = {b.id: b for b in benefits}
    for offer in offers.itertuples():
        product = catalogue.loc[offer.product_id]
        benefit = by_id[offer.benefit_id]
        # The rules that apply to offers: excluded products never, include_only kept.
        for rule in rules:
            if applicable(rule, "exclude", offer, fields, products):
                raise AssertionError(f"{offer.product_id} excluded by {rule.id}")
            if in_scope(rule, "include_only", offer, fields):
                assert product_matches(rule.products, offer.product_id, products), rule.id
        cut = discount_percent([offer.benefit_type], [offer.benefit_value], [product.price])[0]
        if offer.benefit_type in DISCOUNTS:
            assert cut < 100
            for rule in rules:
                if applicable(rule, "max_discount", offer, fields, products):
                    assert cut <= rule.percent + 1e-9, (rule.id, cut)
            if campaign.margin_floor is not None:
                after = margin_after([product.margin_pct], [cut])[0]
                assert after >= campaign.margin_floor - 1e-9  # NaN (unknown margin) fails
        # The benefit's own eligibility.
        assert offer.benefit_type == benefit.type and offer.benefit_value == benefit.value
        assert offer.journey_stage == fields.loc[offer.member_id, "journey_stage"]
        assert offer.journey_stage in benefit.stages and offer.kind in benefit.kinds
        assert member_matches(benefit.members, offer.member_id, fields)
        assert product_matches(benefit.products, offer.product_id, products)
        # Channels the product is sold in; free delivery only on the web.
        sold = set(product.channels.split(";"))
        assert product.active and set(offer.channels.split(";")) <= sold
        if offer.benefit_type == "free_delivery":
            assert offer.channels == "web"
        face = face_values([offer.benefit_type], [offer.benefit_value], [product.price])[0]
        assert offer.face_value == face
    issued = offers[~offers["holdout"]]
    assert issued["face_value"].sum() <= campaign.budget + 1e-6
    assert summary["face_value"] <= campaign.budget + 1e-6
    assert (offers.groupby("member_id").size() <= campaign.offers_per_member).all()
    per_benefit = offers.groupby(["member_id", "benefit_id"]).size()
    for (_, benefit_id), count in per_benefit.items():
        assert count <= by_id[benefit_id].max_per_member
    holdout = in_holdout(offers["member_id"], campaign.name, campaign.holdout)
    assert (offers["holdout"].to_numpy() == holdout).all()
    assert (offers["valid_from"] == campaign.valid_from).all()
    assert not offers.duplicated(["member_id", "product_id"]).any()
    assert offers["offer_id"].is_unique
    assert (offers["ruleset_version"] == 3).all() and (offers["model_version"] == "model-1").all()


@settings(max_examples=10, deadline=None, phases=PROPERTIES.phases)
@given(benefits=benefit_lists(), rules=rule_lists(), campaign=campaigns)
def test_the_same_inputs_give_the_same_offers(shop, benefits, rules, campaign):
    first, _ = offers_for(shop, benefits, rules, campaign)
    again, _ = offers_for(shop, benefits, rules, campaign)
    pd.testing.assert_frame_equal(first, again)


def campaign(**changes):
    data = {
        "name": "spring",
        "budget": 1000.0,
        "offers_per_member": 3,
        "holdout": 0.0,
        "valid_from": TODAY.isoformat(),
        "valid_until": (TODAY + timedelta(days=14)).isoformat(),
    }
    return make_campaign({**data, **changes})


def test_offers_are_drawn_from_favourites_and_discoveries(shop):
    benefits = validate_benefits([{"name": "Points", "type": "bonus_points", "value": 100}])
    benefits[0] = replace(benefits[0], max_per_member=3)
    offers, summary = offers_for(shop, benefits, [], campaign())
    personal = offers[offers["personalized"]]
    kinds = personal.groupby("member_id")["kind"].agg(set)
    assert (kinds == {"favourite", "discovery"}).all()
    assert summary["offers"] == len(offers) == 3 * 21


def test_a_lapsing_members_favourite_gets_a_discount_rather_than_points(shop):
    benefits = validate_benefits(
        [
            {"name": "Points", "type": "points_multiplier", "value": 2, "max_per_member": 3},
            {"name": "Ten off", "type": "percent_off", "value": 10, "max_per_member": 3},
        ]
    )
    offers, _ = offers_for(shop, benefits, [], campaign())
    favourites = offers[offers["kind"] == "favourite"].set_index("member_id")["benefit_type"]
    assert set(favourites[sorted(LAPSING)]) == {"percent_off"}
    assert set(favourites[["m00", "m02", "m10"]]) == {"points_multiplier"}  # active: grow


def test_a_discount_at_exactly_the_highest_allowed_percent_is_given(shop):
    benefits = validate_benefits(
        [{"name": "A third off", "type": "percent_off", "value": 33.3, "max_per_member": 3}]
    )
    cap = validate_rules([{"name": "Cap", "effect": "max_discount", "percent": 33.3}])
    below = validate_rules([{"name": "Cap", "effect": "max_discount", "percent": 33.2}])
    assert len(offers_for(shop, benefits, cap, campaign())[0]) == 3 * 21
    assert offers_for(shop, benefits, below, campaign())[0].empty


def test_a_max_discount_rule_on_the_members_own_products_holds(shop):
    benefits = validate_benefits(
        [{"name": "Half off", "type": "percent_off", "value": 50, "max_per_member": 3}]
    )
    rule = {
        "name": "Not on habits",
        "effect": "max_discount",
        "percent": 20,
        "products": {"times_bought": {"gte": 1}},
    }
    offers, _ = offers_for(shop, benefits, validate_rules([rule]), campaign())
    assert len(offers) and (offers["kind"] == "discovery").all()


def test_no_benefit_or_no_candidate_gives_no_offers_with_every_column(shop):
    points = validate_benefits([{"name": "Points", "type": "bonus_points", "value": 100}])
    nothing = validate_rules(
        [{"name": "None", "effect": "include_only", "products": {"brand": "X"}}]
    )
    expected, _ = offers_for(shop, points, [], campaign())
    for benefits, rules in [([], []), (points, nothing)]:
        offers, summary = offers_for(shop, benefits, rules, campaign())
        assert offers.empty and list(offers.columns) == list(expected.columns)
        assert summary["offers"] == 0 and summary["face_value"] == 0


def test_the_holdout_gets_no_offer_and_the_budget_pays_receivers_only(shop):
    points = validate_benefits([{"name": "Points", "type": "bonus_points", "value": 100}])
    offers, summary = offers_for(shop, points, [], campaign(holdout=0.5, budget=3.0))
    held = in_holdout(EVERYONE, "spring", 0.5)
    assert set(offers.loc[offers["holdout"], "member_id"]) <= set(np.array(EVERYONE)[held])
    assert summary["holdout_members"] == held.sum() and summary["face_value"] <= 3.0
    assert summary["offers"] == 3  # one point offer (1.00) per member, three paid


def test_no_discount_on_a_product_of_unknown_margin_when_there_is_a_floor(shop):
    benefits = validate_benefits(
        [{"name": "Five off", "type": "percent_off", "value": 5, "max_per_member": 4}]
    )
    unknown = {"p02", "p07"}  # no margin_pct
    free, _ = offers_for(shop, benefits, [], campaign(offers_per_member=4))
    floored, _ = offers_for(shop, benefits, [], campaign(offers_per_member=4, margin_floor=0))
    assert unknown & set(free["product_id"]) and not unknown & set(floored["product_id"])
    # 5 % off leaves p05 (10 % margin) 5.3 %: under a floor of 6 it is not discounted.
    low, _ = offers_for(shop, benefits, [], campaign(offers_per_member=4, margin_floor=6))
    assert "p05" in set(floored["product_id"]) and "p05" not in set(low["product_id"])


def test_offer_rows_made_in_parts_are_the_rows_made_at_once(shop, monkeypatch):
    # A writer stores each part while the next is made; a member's offers stay in one part.
    model, products, members, _ = shop
    benefits = validate_benefits([{"name": "Points", "type": "bonus_points", "value": 100}])
    benefits[0] = replace(benefits[0], max_per_member=3)
    context = with_rules(
        OfferContext(campaign(), benefits, products, members, None, TODAY, "run-1", "model-1")
    )
    chosen = choose_offers(model, context, EVERYONE)
    counted = count_members(EVERYONE, context.campaign)
    at_once, summary = finish_offers(chosen, context, counted)
    monkeypatch.setattr("recommender.offers.PART_ROWS", 4)  # 3 offers a member
    parts = []
    in_parts, summary_in_parts = finish_offers(chosen, context, counted, parts.append)
    assert len(parts) > len(at_once) // 6
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), at_once)
    pd.testing.assert_frame_equal(in_parts, at_once)
    assert summary_in_parts == summary
    members_in = [set(part["member_id"]) for part in parts]
    assert sum(len(m) for m in members_in) == len(set().union(*members_in))


def test_rules_that_leave_no_product_for_offers_give_no_offers(shop):
    # Found by the property above: with every product excluded from offers the shelf is
    # empty, and reading a discount cap there raised an IndexError.
    benefits = validate_benefits(
        [{"id": "b0", "name": "Ten off", "type": "percent_off", "value": 10.0}]
    )
    offer_rules = {"products": {}, "applies_to": ["offers"]}
    rules = validate_rules(
        [
            {"id": "r0", "name": "Nothing", "effect": "exclude", **offer_rules},
            {"id": "r1", "name": "Cap", "effect": "max_discount", "percent": 20.0, **offer_rules},
        ]
    )
    offers, summary = offers_for(shop, benefits, rules, campaign())
    assert offers.empty and summary["face_value"] == 0
