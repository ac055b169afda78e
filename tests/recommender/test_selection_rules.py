"""Selections keep every brand-fit rule that applies to their member, channel and day."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures import generate
from loyalty.brand_fit.affinity import base_rate
from loyalty.brand_fit.compile import compile_rules
from loyalty.brand_fit.validation import validate_rules
from recommender.curation import BrandFit
from recommender.model import SelectionModel
from recommender.selection import (
    COLUMNS,
    available_products,
    recommend,
    recommend_with_changes,
    selection_rows,
)

TODAY = date(2024, 3, 25)  # the day after the checkerboard's last week
EVERYONE = [f"m{i:02d}" for i in range(20)] + ["new"]


def _select(model, products, members, rules, n=5, version=7, **options):
    compiled = compile_rules(validate_rules(rules), products, TODAY, version)
    return recommend(
        model,
        EVERYONE,
        n=n,
        channel="store",
        products=products,
        members=members,
        as_of=pd.Timestamp(TODAY),
        rules=compiled,
        **options,
    )


def test_an_excluded_product_never_appears_and_rows_carry_the_rule_set(model, products, members):
    rule = {
        "name": "No p00 or p05",
        "effect": "exclude",
        "products": {"product_id": {"in": ["p00", "p05"]}},
    }
    selection = _select(model, products, members, [rule], n=10)
    assert not {"p00", "p05"} & set(selection["product_id"])
    assert set(selection["member_id"]) == set(EVERYONE)  # fallback members too
    assert (selection["ruleset_version"] == 7).all()


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(excluded=st.sets(st.sampled_from([f"p{i:02d}" for i in range(10)]), min_size=1, max_size=9))
def test_no_selection_ever_breaks_an_exclude_rule(model, products, members, excluded):
    rule = {
        "name": "Out",
        "effect": "exclude",
        "products": {"product_id": {"in": sorted(excluded)}},
    }
    selection = _select(model, products, members, [rule], n=10)
    assert not excluded & set(selection["product_id"])


def test_include_only_keeps_only_matching_products(model, products, members):
    rule = {
        "name": "Dairy only",
        "effect": "include_only",
        "products": {"category": {"prefix": "Food > Dairy"}},
    }
    selection = _select(model, products, members, [rule], n=10)
    assert set(selection["product_id"]) <= {f"p0{i}" for i in range(5)}
    # Fewer products than asked are left: the list is shorter, never filled with others.
    assert selection.groupby("member_id").size().max() == 5


def test_a_limit_per_category_holds_and_shortens_the_list(model, products, members):
    rule = {"name": "Two per category", "effect": "limit", "per": "category", "max": 2}
    selection = _select(model, products, members, [rule], n=6)
    category = products.set_index("product_id")["category"]
    per_category = selection.assign(category=selection["product_id"].map(category))
    assert per_category.groupby(["member_id", "category"]).size().max() == 2
    assert selection.groupby("member_id").size().max() == 4


def test_a_boost_of_strength_one_puts_matching_products_first(model, products, members):
    rule = {
        "name": "p07 first",
        "effect": "boost",
        "strength": 1,
        "products": {"product_id": "p07"},
    }
    selection = _select(model, products, members, [rule])
    first = selection[selection["rank"] == 1]
    assert len(first) == len(EVERYONE) and (first["product_id"] == "p07").all()


def test_rules_outside_their_window_or_for_another_channel_change_nothing(model, products, members):
    plain = recommend(
        model,
        EVERYONE,
        n=10,
        channel="store",
        products=products,
        members=members,
        as_of=pd.Timestamp(TODAY),
    )
    rules = [
        {"name": "Over", "effect": "exclude", "active_until": "2024-03-24"},
        {"name": "Not yet", "effect": "exclude", "active_from": "2024-03-26"},
        {"name": "Web only", "effect": "exclude", "channels": ["web"]},
        {"name": "Offers only", "effect": "exclude", "applies_to": ["offers"]},
    ]
    curated = _select(model, products, members, rules, n=10)
    # Equal scores may come in either order: compare scores rank by rank, and each product's.
    assert curated["member_id"].tolist() == plain["member_id"].tolist()
    assert curated["score"].round(4).tolist() == plain["score"].round(4).tolist()
    score_of = plain.set_index(["member_id", "product_id"])["score"].round(4)
    pairs = pd.MultiIndex.from_frame(curated[["member_id", "product_id"]])
    assert score_of.reindex(pairs).tolist() == curated["score"].round(4).tolist()


def test_rules_on_member_fields_and_history(model, products, members, transactions):
    rules = [
        {
            "name": "Gold: no p06",
            "effect": "exclude",
            "products": {"product_id": "p06"},
            "members": {"tier": "gold"},
        },
        {
            "name": "Not bought this week",
            "effect": "exclude",
            "products": {"days_since_bought": {"lte": 7}},
        },
    ]
    selection = _select(model, products, members, rules, n=10)
    gold = members.loc[members["tier"] == "gold", "member_id"]
    assert "p06" not in set(selection.loc[selection["member_id"].isin(gold), "product_id"])
    assert "p06" in set(selection["product_id"])
    last_week = transactions[transactions["timestamp"] >= pd.Timestamp("2024-03-18")]
    bought = last_week.groupby("member_id")["product_id"].agg(set)
    assert bought["m07"] == {"p01", "p02", "p04"}
    for member_id, shown in selection.groupby("member_id")["product_id"]:
        assert not bought.get(member_id, set()) & set(shown)


def test_changes_name_the_rule_that_removed_a_product(model, products, members):
    rule = {"name": "No p00", "effect": "exclude", "products": {"product_id": "p00"}}
    compiled = compile_rules(validate_rules([rule]), products, TODAY, None)
    _, changes = recommend_with_changes(
        model,
        ["m02"],
        n=3,
        channel="store",
        products=products,
        members=members,
        rules=compiled,
        explain_rules=True,
    )
    assert ("m02", "p00", "no-p00", "removed") in set(changes.itertuples(index=False, name=None))


def test_without_a_channel_the_rules_of_every_channel_hold(model, products, members):
    rules = [
        {
            "name": "No p05 in the store",
            "effect": "exclude",
            "channels": ["store"],
            "products": {"product_id": "p05"},
        }
    ]
    compiled = compile_rules(validate_rules(rules), products, TODAY, 1)
    selection = recommend(model, EVERYONE, n=10, products=products, members=members, rules=compiled)
    assert "p05" not in set(selection["product_id"])
    assert "p09" in set(selection["product_id"])  # sold in the store only, yet in no rule


def test_promote_reserves_places_for_liked_matching_products(model, products, members):
    options = {"channel": "store", "products": products, "as_of": pd.Timestamp(TODAY)}
    plain = recommend(model, ["m12"], n=5, **options)
    liked = plain["product_id"].iloc[2]  # a product m12 buys, below the first place
    rule = {"name": "Promote", "effect": "promote", "share": 0.5, "products": {"product_id": liked}}
    compiled = compile_rules(validate_rules([rule]), products, TODAY, 1)
    assert recommend(model, ["m12"], n=1, rules=compiled, **options)["product_id"].tolist() == [
        liked
    ]
    # m12 buys bread, never dairy: promoting a dairy product changes nothing.
    rule["products"] = {"product_id": "p04"}
    compiled = compile_rules(validate_rules([rule]), products, TODAY, 1)
    selection = recommend(model, ["m12"], n=2, rules=compiled, **options)
    assert selection["product_id"].tolist() == plain["product_id"].iloc[:2].tolist()


def test_compiled_kernels_made_before_serving_are_the_ones_selections_use(model, products, members):
    from loyalty.brand_fit import affinity, runs, selection
    from recommender import curation, dense, features, ranking, reasons

    kernels = [selection._curate_members, affinity.row_base_rate]
    kernels += [dense._add_group_values, dense._add_item_to_item, dense.log1p_positive]
    kernels += [ranking._top_k_rows, runs.ranked_candidates, features._habit_features]
    kernels += [reasons._discovery_sources]
    curation.compile_kernels()
    compiled = [len(kernel.signatures) for kernel in kernels]
    rules = [
        {"name": "up", "effect": "boost", "strength": 0.3, "products": {"brand": "Hemma"}},
        {"name": "fresh", "effect": "exclude", "products": {"days_since_bought": {"lte": 7}}},
        {"name": "liked", "effect": "promote", "share": 0.3, "products": {"tags": "organic"}},
        {"name": "two", "effect": "limit", "per": "brand", "max": 2},
    ]
    assert len(_select(model, products, members, rules)) > 0
    # No new compilation: a request after `loyalty serve` starts never waits for one.
    assert [len(kernel.signatures) for kernel in kernels] == compiled


def test_the_affinity_base_rate_is_the_log_odds_of_the_mean_purchase_chance():
    rng = np.random.default_rng(3)
    scores = rng.normal(-6.0, 3.0, size=(6, 5000)).astype(np.float32)
    scores[1, ::3] = -np.inf  # not candidates: left out of the mean
    scores[2, :] = -np.inf  # no candidate at all
    scores[3, :10] = 40.0  # sure purchases among unlikely ones

    expected = []
    for row in scores.astype(np.float64):
        finite = row[np.isfinite(row)]
        mean = np.clip(
            np.mean(1.0 / (1.0 + np.exp(-finite))) if len(finite) else 0.0, 1e-9, 1 - 1e-9
        )
        expected.append(np.log(mean / (1.0 - mean)))
    np.testing.assert_allclose(base_rate(scores), expected, atol=1e-3)


def test_members_without_personal_scores_alike_under_the_rules_share_one_list_worked_out_once(
    model, products, members
):
    newcomers = pd.DataFrame(
        {
            "member_id": [f"n{i:02d}" for i in range(12)],
            "tier": ["gold", "basic", "silver"] * 4,
            "birth_year": [1950, 2010] * 6,
            "consent_personalization": True,
        }
    )
    everyone = pd.concat([members, newcomers], ignore_index=True)
    # m07 bought p01, p02 and p04 last week: without consent, still never shown them.
    everyone.loc[everyone["member_id"] == "m07", "consent_personalization"] = False
    rules = [
        {"name": "Gold: no p06", "effect": "exclude", "products": {"product_id": "p06"},
         "members": {"tier": "gold"}},
        {"name": "Not this week", "effect": "exclude",
         "products": {"days_since_bought": {"lte": 7}}},
        {"name": "Young: bread first", "effect": "promote", "share": 0.5,
         "products": {"category": {"prefix": "Food > Bakery"}}, "members": {"age": {"lt": 30}}},
        {"name": "Silver: one per category", "effect": "limit", "per": "category", "max": 1,
         "members": {"tier": "silver"}},
        {"name": "Old: no milk", "effect": "exclude", "members": {"age": {"gte": 30}},
         "products": {"category": {"prefix": "Food > Dairy"}}},
    ]  # fmt: skip
    compiled = compile_rules(validate_rules(rules), products, TODAY, 7)
    options = {"n": 4, "channel": "store", "products": products, "members": everyone,
               "as_of": pd.Timestamp(TODAY), "rules": compiled}  # fmt: skip
    ids = everyone["member_id"].tolist()
    shared = recommend(model, ids, **options)
    # A mask of every product makes each member's scores their own: worked out one by one.
    one_by_one = recommend(model, ids, item_mask=np.ones(len(products), bool), **options)
    pd.testing.assert_frame_equal(shared, one_by_one)
    lists = shared[~shared["personalized"]].groupby("member_id")["product_id"].agg(tuple)
    assert lists["n00"] != lists["n03"]  # gold, born 1950 and 2010
    assert lists["n00"] == lists["n06"]
    assert not {"p01", "p02", "p04"} & set(lists["m07"])


def test_offer_candidates_carry_each_products_discount_cap(model, products, members):
    """Caps come from the rules the curation evaluated, for personal and fallback members
    alike (m01 gave no consent, "new" has no history); ``recommend`` shows none of it."""
    rules = [
        {"name": "Max 30", "effect": "max_discount", "percent": 30},
        {
            "name": "Max 10 on milk",
            "effect": "max_discount",
            "percent": 10,
            "products": {"category": {"prefix": "Food > Dairy"}},
            "members": {"tier": "gold"},
        },
    ]
    compiled = compile_rules(validate_rules(rules), products, TODAY, 7)
    as_of = pd.Timestamp(TODAY)
    ids = np.array(EVERYONE)
    fit = BrandFit.prepare(model, compiled, None, ids, members, as_of, scope="offers")
    rows = selection_rows(model, ids, fit, n=10, channel=None, products=products, members=members)
    assert {"m01", "new", "m02"} <= set(rows["member_id"])
    gold = members.set_index("member_id")["tier"].reindex(rows["member_id"]).eq("gold")
    milk = rows["product_id"].isin([f"p{i:02d}" for i in range(5)])
    expected = np.where(gold.to_numpy() & milk.to_numpy(), 10.0, 30.0)
    assert rows["_max_discount"].tolist() == expected.tolist()
    assert (ids[rows["_member"]] == rows["member_id"]).all()
    assert (model.dataset_.product_ids[rows["_column"]] == rows["product_id"]).all()
    shown = recommend(model, EVERYONE, n=10, products=products, members=members,
                      as_of=as_of, rules=compiled, scope="offers")  # fmt: skip
    assert list(shown.columns) == [*COLUMNS, "ruleset_version"]


def test_products_no_member_may_be_shown_are_not_scored_yet_explained_as_removed():
    today = date(2026, 6, 30)
    data = generate(members=120, products=100, seed=4, until=today, years=1.0)
    products, members, ids = data.products, data.members, data.members["member_id"].tolist()
    model = SelectionModel(factors=8, iterations=3, random_state=1).fit(data.transactions, products)
    rules = [
        {"name": "No drinks", "effect": "exclude", "products": {"category": {"prefix": "Drinks"}}},
        {"name": "Gold: no food", "effect": "exclude", "products": {"category": {"prefix": "Food"}},
         "members": {"tier": "gold"}},
        {"name": "Organic first", "effect": "promote", "share": 0.5,
         "products": {"tags": {"contains": "organic"}}},
    ]  # fmt: skip
    compiled = compile_rules(validate_rules(rules), products, today, 7)
    as_of = pd.Timestamp(today)
    allowed = available_products(model, products, "store")
    fit = BrandFit.prepare(model, compiled, "store", ids, members, as_of, allowed=allowed)
    category = products.set_index("product_id")["category"].reindex(model.dataset_.product_ids)
    drinks = category.str.startswith("Drinks").to_numpy()
    assert drinks.any()
    assert set(fit.shelf.product_ids) == set(model.dataset_.product_ids[allowed & ~drinks])
    options = {"n": 4, "channel": "store", "products": products, "members": members,
               "as_of": as_of, "rules": compiled}  # fmt: skip
    selection, changes = recommend_with_changes(model, ids, explain_rules=True, **options)
    # Explaining scores every available product, so that drinks are explained as removed;
    # the base rates of members still count the products on the shelf alone: same lists.
    pd.testing.assert_frame_equal(selection, recommend(model, ids, **options))
    removed = changes[changes["product_id"].isin(model.dataset_.product_ids[drinks])]
    assert len(removed) and set(removed["rule_id"] + " " + removed["action"]) == {
        "no-drinks removed"
    }
