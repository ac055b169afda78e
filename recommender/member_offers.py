"""One member's offers when a channel asks: the current runs', or made on the fly.

Offers normally come from batch runs (:mod:`recommender.campaign_runs`). Between creating a
campaign and its first run, a member asking in a channel would see nothing; so when no
campaign valid today has a current run, the member's offers of every campaign valid today are
generated on the spot, with the serving model, catalogue and rules, by the same
:func:`recommender.offers.generate_offers` a run uses.

An on-the-fly member gets an equal share of each campaign's budget (the budget divided by the
number of members), the share a run would spend on an average member. Offers made on the fly
are not stored: they cannot be redeemed. They carry the offer ids a run would give the same
offers, so a later run makes exactly these redeemable.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
from sqlalchemy import Engine

from loyalty.brand_fit.compile import CompiledRules
from loyalty.journey import DEFAULT_THRESHOLDS, JourneyThresholds
from loyalty.offers.campaigns import Campaign
from loyalty.offers.store import current_offer_records, list_benefits, list_campaigns
from loyalty.status import member_count
from recommender.model import SelectionModel
from recommender.offers import OfferContext, generate_offers

RUN = "run"
ON_THE_FLY = "on_the_fly"


@dataclass(frozen=True)
class MemberOffers:
    """A member's offers (dicts with the columns of ``current_offers``) and where they come from.

    ``source`` is ``"run"`` (stored by a batch run, redeemable) or ``"on_the_fly"`` (made for
    this request, not stored, not redeemable; ``run_id`` and ``redeemed_at`` are None).
    """

    offers: list[dict]
    source: str


def member_offers(
    engine: Engine,
    model: SelectionModel,
    member: dict,
    today: date,
    *,
    products: pd.DataFrame,
    rules: CompiledRules | None,
    model_version: str | None,
    journey: JourneyThresholds = DEFAULT_THRESHOLDS,
) -> MemberOffers:
    """The offers ``member`` (a stored member, as ``find_member`` gives it) holds ``today``.

    Offers of the current runs of every campaign, those expired before ``today`` left out;
    when no campaign valid ``today`` has a current run, offers of the campaigns valid today
    made on the fly (see the module docstring).
    """
    held = current_offer_records(engine, member_id=member["member_id"], valid_on=today)
    if held:  # offers of a current run: no need to look at the campaigns (the usual case)
        return MemberOffers(held, RUN)
    valid = [c for c in list_campaigns(engine) if c.valid_from <= today <= c.valid_until]
    if not valid or any(c.current_run for c in valid):
        return MemberOffers(held, RUN)
    share = 1 / max(member_count(engine), 1)
    benefits = list_benefits(engine)
    made = [
        _on_the_fly(
            model,
            OfferContext(
                _share_of(campaign, share),
                benefits,
                products,
                pd.DataFrame([member]),
                rules,
                today,
                None,
                model_version,
                journey,
            ),
        )
        for campaign in valid
    ]
    return MemberOffers(pd.concat(made, ignore_index=True).to_dict("records"), ON_THE_FLY)


def _share_of(campaign: Campaign, share: float) -> Campaign:
    return replace(campaign, budget=campaign.budget * share)


def _on_the_fly(model: SelectionModel, context: OfferContext) -> pd.DataFrame:
    """One campaign's offers for the one member of ``context``; none in its holdout."""
    member_ids = context.members["member_id"].astype(str).tolist()
    offers, _ = generate_offers(model, context, member_ids=member_ids)
    offers = offers[~offers["holdout"].to_numpy(dtype=bool)]
    return offers.assign(redeemed_at=None).reset_index(drop=True)
