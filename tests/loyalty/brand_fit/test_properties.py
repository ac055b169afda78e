"""Properties that hold for every catalogue, member block and rule set (hypothesis)."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty.brand_fit.block import rules_for_block
from loyalty.brand_fit.compile import compile_rules
from loyalty.brand_fit.curate import curate
from loyalty.brand_fit.validation import validate_rules
from tests.loyalty.brand_fit.catalogue import TODAY

BRANDS = ["Hemma", "Havre", "Arla", "Oatly"]
TAGS = ["organic", "alcohol", "private_label"]
PRODUCT_PREDICATES = [
    {},
    {"brand": "Hemma"},
    {"brand": {"in": ["Arla", "Oatly"]}},
    {"tags": {"contains": "organic"}},
    {"tags": "alcohol"},
    {"price": {"lt": 20}},
    {"not": {"tags": "private_label"}},
]
MEMBER_PREDICATES = [{}, {"tier": "gold"}, {"age": {"lt": 20}}, {"not": {"tier": "basic"}}]
FAST = settings(max_examples=150, deadline=None)


@st.composite
def catalogues(draw):
    size = draw(st.integers(1, 30))
    tags = st.lists(st.sampled_from(TAGS), unique=True, max_size=2).map(";".join)
    return pd.DataFrame(
        {
            "product_id": [f"P{i}" for i in range(size)],
            "name": "x",
            "brand": draw(st.lists(st.sampled_from(BRANDS), min_size=size, max_size=size)),
            "category": "Food",
            "price": draw(
                st.lists(st.sampled_from([5.0, 15.0, 25.0]), min_size=size, max_size=size)
            ),
            "tags": draw(st.lists(tags, min_size=size, max_size=size)),
            "channels": draw(
                st.lists(
                    st.sampled_from(["store", "web", "store;web"]), min_size=size, max_size=size
                )
            ),
            "active": draw(st.lists(st.booleans(), min_size=size, max_size=size)),
        }
    )


@st.composite
def members(draw):
    size = draw(st.integers(1, 6))
    return pd.DataFrame(
        {
            "member_id": [f"M{i}" for i in range(size)],
            "tier": draw(
                st.lists(st.sampled_from(["basic", "gold"]), min_size=size, max_size=size)
            ),
            "age": draw(
                st.lists(st.sampled_from([16.0, 40.0, np.nan]), min_size=size, max_size=size)
            ),
        }
    )


def rule_dicts(effects=("exclude", "include_only", "boost", "bury", "limit", "promote")):
    def parameters(effect):
        return {
            "boost": st.fixed_dictionaries({"strength": st.sampled_from([0.2, 0.5, 1.0])}),
            "bury": st.fixed_dictionaries({"strength": st.sampled_from([0.2, 1.0])}),
            "limit": st.fixed_dictionaries(
                {"per": st.sampled_from(["brand", "price"]), "max": st.integers(1, 3)}
            ),
            "promote": st.fixed_dictionaries({"share": st.sampled_from([0.2, 0.5, 1.0])}),
        }.get(effect, st.just({}))

    return st.sampled_from(effects).flatmap(
        lambda effect: st.fixed_dictionaries(
            {
                "name": st.text("abcdefgh", min_size=1, max_size=8),
                "effect": st.just(effect),
                "products": st.sampled_from(PRODUCT_PREDICATES),
                "members": st.sampled_from(MEMBER_PREDICATES),
                "channels": st.sampled_from([["store"], ["web"], ["store", "web"]]),
                "applies_to": st.sampled_from([["selection"], ["offers"], ["selection", "offers"]]),
                "priority": st.integers(-2, 2),
            }
        ).flatmap(lambda rule: parameters(effect).map(lambda extra: {**rule, **extra}))
    )


def rule_sets(effects=("exclude", "include_only", "boost", "bury", "limit", "promote")):
    return st.lists(rule_dicts(effects), max_size=5).map(
        lambda rules: [{**rule, "id": f"r{i}"} for i, rule in enumerate(rules)]
    )


def scores_for(draw, shape):
    values = st.sampled_from([-np.inf, -1.0, 0.0, 0.25, 0.5, 1.0, 3.0])
    cells = draw(st.lists(values, min_size=shape[0] * shape[1], max_size=shape[0] * shape[1]))
    return np.array(cells, dtype=np.float32).reshape(shape)


def run(products, block_members, rules, scores, n, channel="store", target="selection"):
    compiled = compile_rules(validate_rules(rules) if rules else [], products, TODAY)
    block = rules_for_block(compiled, block_members, channel, target)
    return compiled, block, curate(scores, block, n)


def in_scope(compiled, rule_id, row, block):
    return any(a.rule.id == rule_id and a.members[row] for a in block.applied)


@FAST
@given(catalogues(), members(), rule_sets(), st.data(), st.integers(1, 8))
def test_no_selection_breaks_a_rule(products, block_members, rules, data, n):
    scores = scores_for(data.draw, (len(block_members), len(products)))
    compiled, block, result = run(products, block_members, rules, scores, n)
    sold = products.channels.str.contains("store").to_numpy() & products.active.to_numpy()
    masks = {c.rule.id: c.products for c in compiled.rules}
    for row, selected in enumerate(result.products):
        shown = selected[selected >= 0]
        assert (selected[len(shown) :] == -1).all() and len(set(shown)) == len(shown)
        assert np.isfinite(scores[row, shown]).all() and sold[shown].all()
        assert (np.diff(result.scores[row, : len(shown)]) <= 0).all()
        for c in compiled.rules:
            rule = c.rule
            if not in_scope(compiled, rule.id, row, block):
                continue
            if rule.effect == "exclude":
                assert not masks[rule.id][shown].any()
            if rule.effect == "include_only":
                assert masks[rule.id][shown].all()
            if rule.effect == "limit":
                groups = c.groups[shown]
                counts = np.unique(groups[groups >= 0], return_counts=True)[1]
                assert (counts <= rule.max).all()
        if not block.limits:
            allowed = np.isfinite(scores[row]) & block.allowed()[row]
            assert len(shown) == min(n, allowed.sum())


@FAST
@given(
    catalogues(), members(), rule_sets(("exclude", "include_only")), st.data(), st.integers(1, 8)
)
def test_a_boost_of_strength_one_ranks_every_matching_product_first(
    products, block_members, rules, data, n
):
    boost = {
        "id": "boost",
        "name": "Boost",
        "effect": "boost",
        "strength": 1.0,
        "products": data.draw(st.sampled_from(PRODUCT_PREDICATES)),
    }
    scores = scores_for(data.draw, (len(block_members), len(products)))
    compiled, block, result = run(products, block_members, [*rules, boost], scores, n)
    matching = compiled.rules[[c.rule.id for c in compiled.rules].index("boost")].products
    allowed = np.isfinite(scores) & block.allowed()
    for row, selected in enumerate(result.products):
        shown = selected[selected >= 0]
        flags = matching[shown]
        # Every matching product first, and none left out while a non-matching one is shown.
        assert (np.diff(flags.astype(int)) <= 0).all()
        if not flags.all():
            assert flags.sum() == (allowed[row] & matching).sum()


@FAST
@given(catalogues(), members(), rule_sets(), rule_sets(), st.data(), st.integers(1, 8))
def test_rules_outside_their_window_or_scope_change_nothing(
    products, block_members, rules, idle, data, n
):
    channel = data.draw(st.sampled_from(["store", "web"]))
    target = data.draw(st.sampled_from(["selection", "offers"]))
    other_channel = "web" if channel == "store" else "store"
    other_target = "offers" if target == "selection" else "selection"
    outside = [
        {"active_until": (TODAY - timedelta(days=1)).isoformat()},
        {"active_from": (TODAY + timedelta(days=1)).isoformat()},
        {"enabled": False},
        {"channels": [other_channel]},
        {"applies_to": [other_target]},
        {"members": {"tier": "platinum"}},
    ]
    idle = [
        {**rule, "id": f"idle{i}", **data.draw(st.sampled_from(outside))}
        for i, rule in enumerate(idle)
    ]
    scores = scores_for(data.draw, (len(block_members), len(products)))
    base = run(products, block_members, rules, scores, n, channel, target)[2]
    more = run(products, block_members, rules + idle, scores, n, channel, target)[2]
    assert (base.products == more.products).all()
    assert np.array_equal(base.scores, more.scores)
