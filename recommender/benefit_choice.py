"""Which benefit goes on which candidate, for each member: steps 2 and 3 of
:mod:`recommender.offers`.

Every candidate (a product from the member's selection under the offer rules) gets the
eligible benefit that fits the member's journey stage and the product's kind best
(:data:`FIT`), then the one with the lower face value. A benefit that has reached its
``max_per_member`` passes the member's next candidates to their next-best benefit. Vectorised
over candidates; the loops run over benefits and rounds only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyalty.brand_fit.block import member_leaf
from loyalty.brand_fit.compile import CompiledRules
from loyalty.brand_fit.conditions import evaluate
from loyalty.journey import STAGES
from loyalty.offers.benefits import DISCOUNTS, KINDS, Benefit
from loyalty.offers.value import discount_percent, face_values, margin_after

# A member without personal scores (no history, no consent): their chance of buying a product.
UNKNOWN_CHANCE = 0.05

# Benefit types by how well they fit a stage and a kind of product, best first: welcome a new
# member with money off, grow an active one with points (on a discovery: a reason to try it),
# win back a lapsing or lapsed one with a discount on what they really buy.
FIT = {
    ("new", "favourite"): ("percent_off", "amount_off", "bonus_points", "free_delivery"),
    ("new", "discovery"): ("bonus_points", "percent_off", "free_delivery", "amount_off"),
    ("active", "favourite"): ("points_multiplier", "bonus_points", "early_access", "percent_off"),
    ("active", "discovery"): ("bonus_points", "points_multiplier", "early_access", "percent_off"),
    ("lapsing", "favourite"): ("percent_off", "amount_off", "points_multiplier", "free_delivery"),
    ("lapsing", "discovery"): ("percent_off", "bonus_points", "amount_off", "free_delivery"),
    ("lapsed", "favourite"): ("amount_off", "percent_off", "free_delivery", "bonus_points"),
    ("lapsed", "discovery"): ("percent_off", "amount_off", "bonus_points", "free_delivery"),
}


def choose_benefits(candidates, fields, benefits, rules: CompiledRules, campaign, k: int):
    """The member's ``k`` offers: candidates in the member's order, each with its best benefit.

    A candidate whose best benefit has reached its ``max_per_member`` gets its next best; a
    candidate without an eligible benefit is left out. ``candidates["_column"]`` is each
    one's place in ``rules.catalogue``.
    """
    catalogue = rules.catalogue
    price = catalogue.column("price").to_numpy(np.float64)[candidates["_column"].to_numpy()]
    candidates = candidates.assign(
        expected_value=(_chance(candidates) * np.nan_to_num(price)).round(4),
        journey_stage=fields["journey_stage"].to_numpy()[candidates["_member"]].astype(str),
        _price=price,
    )
    order = _member_order(candidates)
    candidates = candidates.iloc[order].reset_index(drop=True)
    keys = _benefit_keys(candidates, fields, benefits, rules, campaign)
    benefit = _assign(candidates["_member"].to_numpy(), keys, benefits)
    chosen = candidates[benefit >= 0].copy()
    chosen["_benefit"] = benefit[benefit >= 0]
    chosen = chosen[chosen.groupby("_member").cumcount().to_numpy() < k]
    picked = chosen["_benefit"].to_numpy()
    chosen["benefit_type"] = np.array([benefits[i].type for i in picked], dtype=object)
    chosen["benefit_value"] = np.array([benefits[i].value for i in picked], dtype=np.float64)
    chosen["face_value"] = face_values(
        chosen["benefit_type"].to_numpy(), chosen["benefit_value"].to_numpy(), chosen["_price"]
    )
    web = catalogue.sold_in("web")[chosen["_column"]]
    store = catalogue.sold_in("store")[chosen["_column"]]
    sold = np.where(web & store, "store;web", np.where(web, "web", "store"))
    chosen["channels"] = np.where(chosen["benefit_type"] == "free_delivery", "web", sold)
    return chosen


def _member_order(candidates: pd.DataFrame) -> np.ndarray:
    """Favourites and discoveries taken in turn, each in the member's selection order.

    The selection ranks by the chance the member buys the product (under the rules), which is
    what an offer should follow: on The Complete Journey, ordering by expected value (chance
    times price) instead swapped likely staples for dearer products bought less often (offers
    bought 1.8x as often as popular ones, against 2.2x in selection order). Offers are drawn
    from both kinds: a member offered three products gets two favourites and a discovery when
    the rules and benefits allow.
    """
    by_rank = candidates.sort_values(["_member", "rank"], kind="stable")
    turn = by_rank.groupby(["_member", "kind"]).cumcount()
    second = (by_rank["kind"] != "favourite").to_numpy(np.int64)
    order = np.lexsort((second, turn.to_numpy(), by_rank["_member"].to_numpy()))
    return by_rank.index.to_numpy()[order]


def _benefit_keys(candidates, fields, benefits, rules: CompiledRules, campaign) -> np.ndarray:
    """(candidates, benefits) preference: fit, then lower face value; ``-inf``: not eligible."""
    catalogue = rules.catalogue
    at, price = candidates["_column"].to_numpy(), candidates["_price"].to_numpy()
    margin = catalogue.column("margin_pct").to_numpy(np.float64)[at]
    on_web = catalogue.sold_in("web")[at]
    member = candidates["_member"].to_numpy()
    # Stages and kinds as codes (-1: another): compared per benefit, text would cost more.
    stage = _codes(fields["journey_stage"], STAGES)[member]  # per member, not per candidate
    kind = _codes(candidates["kind"], KINDS)
    leaf = member_leaf(fields)
    keys = np.full((len(candidates), len(benefits)), -np.inf)
    for index, benefit in enumerate(benefits):
        types = np.full(len(candidates), benefit.type)
        value = np.full(len(candidates), benefit.value)
        eligible = (
            np.isin(stage, [STAGES.index(s) for s in benefit.stages if s in STAGES])
            & np.isin(kind, [KINDS.index(k) for k in benefit.kinds if k in KINDS])
            & np.broadcast_to(evaluate(benefit.members, leaf), (len(fields),))[member]
            & rules.product_mask(benefit.products)[at]
        )
        if benefit.type in DISCOUNTS:
            cut = discount_percent(types, value, price)
            eligible &= (cut <= candidates["_max_discount"].to_numpy() + 1e-9) & (cut < 100)
            if campaign.margin_floor is not None:
                eligible &= margin_after(margin, cut) >= campaign.margin_floor - 1e-9
        if benefit.type == "free_delivery":
            eligible &= on_web
        face = face_values(types, value, price)
        fit = _fit(stage, kind, benefit.type)
        keys[:, index] = np.where(eligible, fit * 1e9 - face - index * 1e-6, -np.inf)
    return keys


def _assign(member: np.ndarray, keys: np.ndarray, benefits: list[Benefit]) -> np.ndarray:
    """Best benefit per candidate (-1: none) keeping every ``max_per_member``.

    Candidates come in the members' order; in each round every candidate still without a
    benefit takes its best remaining one, the first ones of a member first, and those past the
    benefit's limit for that member try their next best in the next round.
    """
    keys = keys.copy()
    limit = np.array([b.max_per_member for b in benefits])
    benefit = np.full(len(member), -1, dtype=np.int64)
    used = np.zeros((member.max() + 1 if len(member) else 0, len(benefits)), dtype=np.int64)
    for _ in range(len(benefits)):
        waiting = np.flatnonzero((benefit < 0) & np.isfinite(keys).any(axis=1))
        if len(waiting) == 0:
            break
        best = keys[waiting].argmax(axis=1)
        pair = pd.Series(member[waiting] * len(benefits) + best)
        place = pair.groupby(pair.to_numpy()).cumcount().to_numpy()
        fits = used[member[waiting], best] + place < limit[best]
        benefit[waiting[fits]] = best[fits]
        np.add.at(used, (member[waiting[fits]], best[fits]), 1)
        keys[waiting[~fits], best[~fits]] = -np.inf
    return benefit


def _chance(candidates: pd.DataFrame) -> np.ndarray:
    """The model's chance that the member buys the product (scores are log-odds).

    Non-personalised candidates have popularity scores, not log-odds: they count as
    ``UNKNOWN_CHANCE``, the same for every member, so blocks stay independent.
    """
    personal = candidates["personalized"].to_numpy(dtype=bool)
    chance = 0.5 + 0.5 * np.tanh(0.5 * candidates["score"].to_numpy(np.float64))
    return np.where(personal, chance, UNKNOWN_CHANCE)


def _codes(values: pd.Series, names: tuple[str, ...]) -> np.ndarray:
    """Each value's place in ``names`` (-1: another), comparing text once per name."""
    codes = np.full(len(values), -1, dtype=np.int64)
    for code, name in enumerate(names):
        codes[(values == name).to_numpy(dtype=bool, na_value=False)] = code
    return codes


def _fit(stage: np.ndarray, kind: np.ndarray, benefit_type: str) -> np.ndarray:
    """How well a benefit type fits each (stage, kind) (codes in ``STAGES`` and ``KINDS``, -1
    for another): higher is better, never 0. Types not listed for a pair still fit, after the
    listed ones."""
    fit = np.ones((len(STAGES) + 1, len(KINDS) + 1), dtype=np.int64)  # the last: code -1
    for (for_stage, for_kind), order in FIT.items():
        if benefit_type in order:
            rank = len(order) - order.index(benefit_type) + 1
            fit[STAGES.index(for_stage), KINDS.index(for_kind)] = rank
    return fit[stage, kind]
