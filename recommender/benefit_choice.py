"""Which benefit goes on which candidate, for each member: steps 2 and 3 of
:mod:`recommender.offers`.

Every candidate (a product from the member's selection under the offer rules) gets the
eligible benefit that fits the member's journey stage and the product's kind best
(:data:`FIT`), then the one with the lower face value. A benefit that has reached its
``max_per_member`` passes the member's next candidates to their next-best benefit. Vectorised
over candidates, on arrays in the members' order; the loops run over benefits and rounds only,
and the offers' rows are taken from the candidates once, at the end.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa

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

# Where an offer can be used, by code (the ``channels`` column).
CHANNELS = ("store", "web", "store;web")


class Lineup(NamedTuple):
    """The candidates as the choice reads them: arrays in the members' order."""

    row: np.ndarray  # place in the candidates
    member: np.ndarray  # place in the member fields
    column: np.ndarray  # place in the catalogue
    kind: np.ndarray  # place in ``KINDS`` (-1: another)
    price: np.ndarray


def choose_benefits(candidates, fields, benefits, rules: CompiledRules, campaign, k: int):
    """The member's ``k`` offers: candidates in the member's order, each with its best benefit.

    A candidate whose best benefit has reached its ``max_per_member`` gets its next best; a
    candidate without an eligible benefit is left out. ``candidates["_column"]`` is each
    one's place in ``rules.catalogue``.
    """
    lineup = _line_up(candidates, rules.catalogue)
    keys, faces = _benefit_keys(candidates, lineup, fields, benefits, rules, campaign)
    benefit = _assign(lineup.member, keys, benefits)
    has_benefit = benefit >= 0
    first_k = _turns(lineup.member[has_benefit]) < k
    offered = np.flatnonzero(has_benefit)[first_k]  # places in the members' order
    chosen = candidates.take(lineup.row[offered]).reset_index(drop=True)
    offers, benefit = Lineup(*(values[offered] for values in lineup)), benefit[offered]
    face = faces[offered, benefit]
    return _with_benefits(chosen, offers, benefit, face, fields, benefits, rules.catalogue)


def _line_up(candidates: pd.DataFrame, catalogue) -> Lineup:
    """The candidates in the members' order (:func:`_member_order`)."""
    kind = _codes(candidates["kind"], KINDS)
    member = candidates["_member"].to_numpy()
    row = _member_order(member, candidates["rank"].to_numpy(), kind)
    column = candidates["_column"].to_numpy()[row]
    price = catalogue.column("price").to_numpy(np.float64)[column]
    return Lineup(row, member[row], column, kind[row], price)


def _member_order(member: np.ndarray, rank: np.ndarray, kind: np.ndarray) -> np.ndarray:
    """Favourites and discoveries taken in turn, each in the member's selection order.

    The selection ranks by the chance the member buys the product (under the rules), which is
    what an offer should follow: on The Complete Journey, ordering by expected value (chance
    times price) instead swapped likely staples for dearer products bought less often (offers
    bought 1.8x as often as popular ones, against 2.2x in selection order). Offers are drawn
    from both kinds: a member offered three products gets two favourites and a discovery when
    the rules and benefits allow. ``kind`` holds places in ``KINDS`` (-1: another, all such
    candidates taking turns together); returns the candidates' places.
    """
    by_rank = _sorted_by(member, rank)
    member, kind = member[by_rank], kind[by_rank]
    turn = _turns(member * (len(KINDS) + 1) + kind + 1)
    second = (kind != KINDS.index("favourite")).astype(np.int64)
    return by_rank[_sorted_by(member, turn, second)]


def _benefit_keys(candidates, lineup: Lineup, fields, benefits, rules: CompiledRules, campaign):
    """(candidates, benefits) preference: fit, then lower face value; ``-inf``: not eligible.

    Also the face value of every (candidate, benefit), for the one chosen.
    """
    at, price, kind = lineup.column, lineup.price, lineup.kind
    margin = rules.catalogue.column("margin_pct").to_numpy(np.float64)[at]
    on_web = rules.catalogue.sold_in("web")[at]
    # Stages as codes (-1: another), per member: compared per benefit, text would cost more.
    stage = _codes(fields["journey_stage"], STAGES)
    member_stage = stage[lineup.member]
    leaf = member_leaf(fields)
    keys = np.full((len(at), len(benefits)), -np.inf)
    faces = np.zeros((len(at), len(benefits)))
    cap = None
    for index, benefit in enumerate(benefits):
        # The benefit's type and value, broadcast over the candidates' prices.
        types, value = np.array([benefit.type]), np.array([benefit.value])
        member_ok = _among(stage, benefit.stages, STAGES) & np.broadcast_to(
            evaluate(benefit.members, leaf), (len(fields),)
        )
        eligible = (
            member_ok[lineup.member]
            & _among(kind, benefit.kinds, KINDS)
            & rules.product_mask(benefit.products)[at]
        )
        if benefit.type in DISCOUNTS:
            if cap is None:
                cap = candidates["_max_discount"].to_numpy()[lineup.row]
            cut = discount_percent(types, value, price)
            eligible &= (cut <= cap + 1e-9) & (cut < 100)
            if campaign.margin_floor is not None:
                eligible &= margin_after(margin, cut) >= campaign.margin_floor - 1e-9
        if benefit.type == "free_delivery":
            eligible &= on_web
        faces[:, index] = face_values(types, value, price)
        fit = _fit(member_stage, kind, benefit.type)
        keys[:, index] = np.where(eligible, fit * 1e9 - faces[:, index] - index * 1e-6, -np.inf)
    return keys, faces


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
    waiting = np.flatnonzero(np.isfinite(keys).any(axis=1))
    for _ in range(len(benefits)):
        if len(waiting) == 0:
            break
        best = keys[waiting].argmax(axis=1)
        place = _turns(member[waiting] * len(benefits) + best)
        fits = used[member[waiting], best] + place < limit[best]
        benefit[waiting[fits]] = best[fits]
        np.add.at(used, (member[waiting[fits]], best[fits]), 1)
        waiting, best = waiting[~fits], best[~fits]
        keys[waiting, best] = -np.inf
        waiting = waiting[np.isfinite(keys[waiting]).any(axis=1)]  # the others have none left
    return benefit


def _with_benefits(chosen, offers: Lineup, benefit, face, fields, benefits, catalogue):
    """The chosen candidates (``offers``, in the same order) with their offers' columns;
    ``benefit``: their benefits' places in ``benefits``, ``face``: the benefits' face values."""
    stages = fields["journey_stage"].to_numpy().astype(str)  # per member
    free_delivery = np.array([b.type == "free_delivery" for b in benefits], dtype=bool)[benefit]
    return chosen.assign(
        expected_value=(_chance(chosen) * np.nan_to_num(offers.price)).round(4),
        journey_stage=_text(stages, offers.member),
        _price=offers.price,
        _benefit=benefit,
        # Names as objects: pandas makes them text (no offers: an empty object column).
        benefit_type=np.array([b.type for b in benefits], dtype=object)[benefit],
        benefit_value=np.array([b.value for b in benefits], dtype=np.float64)[benefit],
        face_value=face,
        channels=_text(CHANNELS, _channels(catalogue, offers.column, free_delivery)),
    )


def _channels(catalogue, at: np.ndarray, free_delivery: np.ndarray) -> np.ndarray:
    """Where each offer is used, as places in ``CHANNELS``: where the product is sold (the
    stores when the catalogue says neither), the web shop alone for free delivery."""
    web, store = catalogue.sold_in("web")[at], catalogue.sold_in("store")[at]
    sold = np.where(web & store, CHANNELS.index("store;web"), np.where(web, 1, 0))
    return np.where(free_delivery, CHANNELS.index("web"), sold)


def _text(names, codes: np.ndarray):
    """``names[codes]`` as a text column: the pandas ``str`` array it makes of NumPy text."""
    return pd.array(pa.array(np.asarray(names), pa.large_string()).take(codes), dtype="str")


def _sorted_by(*columns: np.ndarray) -> np.ndarray:
    """Places that sort the rows by integer ``columns``, the first first, ties kept in order.

    The columns make one key (their ranges multiplied must stay within int64), sorted at once:
    a stable sort of integers is a radix sort, several times faster than ``np.lexsort``.
    """
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        if len(column):
            column = column - column.min()
            key = key * (column.max() + 1) + column
    return np.argsort(key, kind="stable")


def _turns(groups: np.ndarray) -> np.ndarray:
    """How many earlier rows each row's group has: 0, 1, ... along every group."""
    by_group = np.argsort(groups, kind="stable")
    ordered = groups[by_group]
    starts = np.flatnonzero(np.concatenate([[True], ordered[1:] != ordered[:-1]]))
    lengths = np.diff(np.append(starts, len(groups)))
    turns = np.empty(len(groups), dtype=np.int64)
    turns[by_group] = np.arange(len(groups)) - np.repeat(starts, lengths)
    return turns


def _among(codes: np.ndarray, allowed, names: tuple[str, ...]) -> np.ndarray:
    """Whether each code (a place in ``names``, -1: another) stands for one of ``allowed``."""
    table = np.zeros(len(names) + 1, dtype=bool)  # the last: code -1, never allowed
    table[[names.index(name) for name in allowed if name in names]] = True
    return table[codes]


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
