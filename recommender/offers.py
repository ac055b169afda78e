"""Personal offers: a campaign's benefits on each member's own products, within every rule.

For every member the engine

1. takes candidates from the member's selection under the rules that apply to offers (so an
   excluded product is never a candidate), for any channel: ``3 x K`` products, favourites and
   discoveries as the model ranks them;
2. picks, for every candidate, the benefit that fits best: among the benefits the member and
   product are eligible for (the benefit's ``members``, ``products``, ``stages`` and ``kinds``;
   a discount within every ``max_discount`` rule, leaving at least the campaign's margin floor,
   and below the price; free delivery only on products the web shop sells), the one whose type
   suits the member's journey stage and the product's kind best
   (:data:`recommender.benefit_choice.FIT`), then the one with the lower face value;
3. keeps each benefit's ``max_per_member`` and the campaign's ``offers_per_member`` (K), in
   the member's selection order, favourites and discoveries in turn;
4. spends the budget on the offers worth most (:mod:`recommender.budget`).

Members in the campaign's holdout get no offer; their would-be offers (the same steps, kept
when they would have been worth the budget) are returned with ``holdout=True`` so the report
can compare what receivers and the holdout go on to buy.

Everything above is vectorised over candidates and benefits; the only loops run over the
benefits (a handful) and the budget's rounds.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from loyalty.brand_fit.compile import CompiledRules, compile_rules
from loyalty.journey import JourneyThresholds
from loyalty.offers.benefits import Benefit
from loyalty.offers.campaigns import Campaign
from loyalty.offers.identity import in_holdout, offer_ids
from recommender.benefit_choice import choose_benefits
from recommender.budget import allocate, value_per_cost
from recommender.curation import BrandFit, in_model_order
from recommender.model import SelectionModel
from recommender.selection import available_products, selection_rows

CANDIDATES_PER_OFFER = 3
# Offer rows made and handed to the writer at a time (``finish_offers``).
PART_ROWS = 400_000
CHOSEN_COLUMNS = [
    "offer_id",
    "member_id",
    "product_id",
    "kind",
    "reason",
    "personalized",
    "score",
    "expected_value",
    "journey_stage",
    "benefit_id",
    "benefit_type",
    "benefit_value",
    "face_value",
    "channels",
    "holdout",
]

# Chosen columns that become offer columns as they are, text kept in Arrow arrays.
_TEXT_COLUMNS = ("offer_id", "member_id", "product_id", "benefit_id", "benefit_type", "channels",
                 "kind", "reason")  # fmt: skip

MOTIVE = {
    "new": "Welcome",
    "active": "Thank you for shopping with us",
    "lapsing": "We have missed you",
    "lapsed": "We would love to see you again",
}


@dataclass(frozen=True)
class OfferContext:
    """Everything one generation reads besides the model."""

    campaign: Campaign
    benefits: list[Benefit]
    products: pd.DataFrame
    members: pd.DataFrame
    rules: CompiledRules | None
    as_of: date
    run_id: str
    model_version: str | None = None
    journey: JourneyThresholds = field(default_factory=JourneyThresholds)


def generate_offers(model: SelectionModel, context: OfferContext, member_ids=None):
    """A campaign's offers for ``member_ids`` (default: every member).

    Returns
    -------
    offers : DataFrame
        One row per offer, columns as the ``offers`` table: ``offer_id, run_id, campaign,
        member_id, rank, product_id, benefit_id, benefit_type, benefit_value, face_value,
        expected_value, valid_from, valid_until, channels, journey_stage, kind, personalized,
        holdout, reason, score, model_version, ruleset_version``.
    summary : dict
        Counts and money: members, receivers, holdout, offers, face value against budget.
    """
    ids = _member_ids(context.members, member_ids)
    context = with_rules(context)
    members = count_members(ids, context.campaign)
    return finish_offers(choose_offers(model, context, ids), context, members)


def with_rules(context: OfferContext) -> OfferContext:
    """``context`` with a compiled rule set: an empty one when none was published."""
    if context.rules is not None:
        return context
    return replace(context, rules=compile_rules([], context.products, context.as_of))


def choose_offers(model: SelectionModel, context: OfferContext, member_ids) -> pd.DataFrame:
    """The first phase, for one block of members: each member's offers before the budget.

    Steps 1 to 3 of the module docstring, and the holdout flag; every member's result depends
    on that member alone, so blocks can be computed anywhere, in any order. Rows are grouped
    by member in the order of ``member_ids``, each member's in their order.
    """
    context = with_rules(context)
    campaign, rules = context.campaign, context.rules
    ids = pd.unique(np.asarray(member_ids).astype(str))  # a member asked for twice: once
    benefits = [b for b in context.benefits if b.enabled]
    k = campaign.offers_per_member
    rules = in_model_order(model, rules)  # catalogue places are model columns
    candidates, fields = _candidates(model, context, rules, ids, k * CANDIDATES_PER_OFFER)
    chosen = choose_benefits(candidates, fields, benefits, rules, campaign, k)
    if chosen.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in CHOSEN_COLUMNS})
    member = chosen["_member"].to_numpy(np.int64)
    chosen["holdout"] = in_holdout(ids, campaign.name, campaign.holdout)[member]
    benefit_ids = np.array([b.id for b in benefits] or [""], dtype=object)
    chosen["benefit_id"] = benefit_ids[chosen["_benefit"].to_numpy(np.int64)]
    # Made here, block by block (in parallel), not in the global phase: hashing each offer
    # is per-row work.
    chosen = _with_offer_ids(chosen, campaign.name)
    return chosen[CHOSEN_COLUMNS].reset_index(drop=True)


@dataclass(frozen=True)
class MemberCount:
    """The members a run is for, and how many of them are in the campaign's holdout."""

    members: int
    holdout: int


def count_members(member_ids, campaign: Campaign) -> MemberCount:
    """:class:`MemberCount` of ``member_ids`` (a member listed twice counts once). A million
    members take about a second: a batch run counts them while its blocks are chosen."""
    ids = pd.unique(np.asarray(member_ids).astype(str))
    return MemberCount(len(ids), int(in_holdout(ids, campaign.name, campaign.holdout).sum()))


def finish_offers(
    chosen: pd.DataFrame,
    context: OfferContext,
    members: MemberCount,
    hand_over: Callable[[pd.DataFrame], None] | None = None,
):
    """The second phase: the budget over every member's choices, then the offer rows.

    Returns ``(offers, summary)`` as :func:`generate_offers` does. With ``hand_over``, the
    rows are made in parts of about ``PART_ROWS`` (each member's in one part), each handed
    over as soon as it is made: a writer can store one while the next is made.
    """
    campaign = context.campaign
    chosen = _with_offer_ids(chosen.reset_index(drop=True), campaign.name)
    chosen = _spend_budget(chosen, campaign.budget)
    parts = []
    for start, end in _member_parts(chosen["member_id"], PART_ROWS if hand_over else None):
        parts.append(_offer_rows(chosen.iloc[start:end], context, context.rules.version))
        if hand_over is not None:
            hand_over(parts[-1])
    offers = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
    return offers, _summary(offers, members, campaign)


def _member_parts(member_ids: pd.Series, size: int | None) -> list[tuple[int, int]]:
    """``(start, end)`` of consecutive parts of about ``size`` rows (all rows: ``None``), each
    ending where the member changes."""
    total = len(member_ids)
    if size is None or total <= size:
        return [(0, total)]
    ids = member_ids.array  # read at the cuts only: no Python string per row
    ends = []
    for end in range(size, total, size):
        while end < total and ids[end] == ids[end - 1]:
            end += 1
        if end < total and (not ends or end > ends[-1]):
            ends.append(end)
    bounds = [0, *ends, total]
    return list(itertools.pairwise(bounds))


def _member_ids(members: pd.DataFrame, member_ids) -> np.ndarray:
    if member_ids is not None:
        return np.asarray(member_ids).astype(str)
    return members["member_id"].astype(str).to_numpy()


def _candidates(model, context: OfferContext, rules: CompiledRules, ids, n: int):
    """Each member's top ``n`` products under the offer rules (laid over the model's products),
    with the member's place in ``ids`` (``_member``), the product's model column (``_column``)
    and discount cap (``_max_discount``); and the member fields the rules read."""
    as_of = pd.Timestamp(context.as_of)
    brand_fit = BrandFit.prepare(
        model,
        rules,
        None,
        ids,
        context.members,
        as_of,
        journey=context.journey,
        scope="offers",
        allowed=available_products(model, context.products, None),
    )
    selection = selection_rows(
        model,
        ids,
        brand_fit,
        n=n,
        channel=None,
        products=context.products,
        members=context.members,
        as_of=as_of,
    )
    return selection, brand_fit.members


def _with_offer_ids(chosen: pd.DataFrame, campaign: str) -> pd.DataFrame:
    """``chosen`` with every missing ``offer_id`` made (blocks staged by a version that made
    them only in the global phase have none)."""
    if "offer_id" not in chosen:
        chosen = chosen.assign(offer_id=None)
    missing = chosen["offer_id"].isna().to_numpy()
    if not missing.any():
        return chosen
    parts = [chosen[c] for c in ("member_id", "product_id", "benefit_id")]
    if missing.all():
        return chosen.assign(offer_id=offer_ids(campaign, *parts))
    ids = chosen["offer_id"].to_numpy(dtype=object).copy()
    ids[missing] = offer_ids(campaign, *(p.to_numpy(dtype=object)[missing] for p in parts))
    return chosen.assign(offer_id=ids)


def _spend_budget(chosen: pd.DataFrame, budget: float) -> pd.DataFrame:
    """Receivers' offers the budget pays for; the holdout's offers that would have been paid."""
    if chosen.empty:
        return chosen
    ratio = value_per_cost(chosen["expected_value"].to_numpy(), chosen["face_value"].to_numpy())
    receivers = ~chosen["holdout"].to_numpy()
    paid = np.zeros(len(chosen), dtype=bool)
    paid[receivers] = allocate(ratio[receivers], chosen["face_value"].to_numpy()[receivers], budget)
    dropped = receivers & ~paid
    # The holdout keeps what the budget would have paid for: offers at least as good as the
    # best offer the budget left out.
    cutoff = ratio[dropped].max() if dropped.any() else -np.inf
    kept = paid | (~receivers & (ratio > cutoff))
    return chosen if kept.all() else chosen[kept]


def _offer_rows(chosen: pd.DataFrame, context: OfferContext, ruleset_version) -> pd.DataFrame:
    campaign = context.campaign
    # Text columns are passed on as the Arrow arrays they are: no Python string per row.
    text = {name: _arrow_text(chosen[name]) for name in (*_TEXT_COLUMNS, "journey_stage")}
    stage = pc.dictionary_encode(text["journey_stage"])
    motives = pa.array([MOTIVE.get(s, "") for s in stage.dictionary.to_pylist()], pa.string())
    reason = pc.binary_join_element_wise(pc.take(motives, stage.indices), text["reason"], ". ")
    text = {name: pd.array(values, dtype="str") for name, values in text.items()}
    offers = pd.DataFrame(
        {
            "offer_id": text["offer_id"],
            "run_id": context.run_id,
            "campaign": campaign.name,
            "member_id": text["member_id"],
            "rank": _ranks(text["member_id"]),
            "product_id": text["product_id"],
            "benefit_id": text["benefit_id"],
            "benefit_type": text["benefit_type"],
            "benefit_value": chosen["benefit_value"].to_numpy(),
            "face_value": chosen["face_value"].to_numpy(),
            "expected_value": chosen["expected_value"].to_numpy(),
            "valid_from": campaign.valid_from,
            "valid_until": campaign.valid_until,
            "channels": text["channels"],
            "journey_stage": text["journey_stage"],
            "kind": text["kind"],
            "personalized": chosen["personalized"].to_numpy(dtype=bool),
            "holdout": chosen["holdout"].to_numpy(dtype=bool),
            "reason": pd.array(reason, dtype="str"),
            "score": chosen["score"].to_numpy(np.float64).round(4),
            "model_version": context.model_version,
            "ruleset_version": ruleset_version,
        }
    )
    return offers.reset_index(drop=True)


def _arrow_text(column: pd.Series) -> pa.Array:
    values = pa.array(pd.array(column, dtype="str"))
    values = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    return values.cast(pa.string())


def _ranks(member_ids) -> np.ndarray:
    """1, 2, ... along each member's offers, which come together (each block's members'
    offers do; blocks hold distinct members); by grouping when they do not."""
    members = pa.array(member_ids)
    members = members.combine_chunks() if isinstance(members, pa.ChunkedArray) else members
    if len(members) < 2:
        return np.ones(len(members), dtype=np.int64)
    changes = pc.not_equal(members[1:], members[:-1]).to_numpy(zero_copy_only=False)
    starts = np.flatnonzero(np.concatenate([[True], changes]))
    if len(starts) != pc.count_distinct(members.take(starts)).as_py():  # a member's apart
        return pd.Series(member_ids).groupby(member_ids, sort=False).cumcount().to_numpy() + 1
    return np.arange(len(members)) - np.repeat(starts, np.diff(np.append(starts, len(members)))) + 1


def _summary(offers: pd.DataFrame, members: MemberCount, campaign: Campaign) -> dict:
    issued = ~offers["holdout"].to_numpy(dtype=bool)
    spent = float(offers["face_value"].to_numpy()[issued].sum())

    def counts(column: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in offers[column][issued].value_counts().items()}

    return {
        "members": members.members,
        "holdout_members": members.holdout,
        "members_with_offers": int(offers["member_id"][issued].nunique()),
        "offers": int(issued.sum()),
        "holdout_offers": int((~issued).sum()),
        "face_value": round(spent, 2),
        "budget": campaign.budget,
        "budget_used": round(spent / campaign.budget, 4) if campaign.budget else 0.0,
        "by_stage": counts("journey_stage"),
        "by_benefit_type": counts("benefit_type"),
        "products": int(offers["product_id"][issued].nunique()),
    }
