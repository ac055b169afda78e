"""Running a campaign: load what generation reads, generate, write a run, make it current.

The command line (``loyalty generate-offers``) and the API (``POST /v1/campaigns/{name}/runs``)
both call :func:`run_campaign`. The run's offers are written while it is ``running`` and it
becomes the campaign's current run only at the end (``loyalty.offers.store.finish_run``): an
interrupted generation leaves the previous run serving.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Engine

from loyalty.brand_fit.compile import compile_current
from loyalty.history import load_members, load_products
from loyalty.journey import DEFAULT_THRESHOLDS, JourneyThresholds
from loyalty.offers.errors import CampaignInputError
from loyalty.offers.store import (
    finish_run,
    get_campaign,
    list_benefits,
    start_run,
    write_offers,
)
from recommender.offers import OfferContext, generate_offers
from recommender.store import ModelStore


@dataclass(frozen=True)
class CampaignRun:
    """A finished run: its id, its offers (the holdout's would-be offers included), summary."""

    run_id: str
    offers: pd.DataFrame
    summary: dict


def run_campaign(
    engine: Engine,
    models: ModelStore,
    name: str,
    today: date,
    journey: JourneyThresholds = DEFAULT_THRESHOLDS,
) -> CampaignRun:
    """Generate campaign ``name``'s offers for every member as of ``today``; replaces its run.

    Raises ``CampaignInputError`` when no benefit is defined or the campaign has ended, and
    ``ModelNotFoundError`` before the first ``loyalty train``.
    """
    campaign = get_campaign(engine, name)
    if campaign.valid_until < today:
        raise CampaignInputError(
            f"campaign {name!r} ended on {campaign.valid_until.isoformat()}; nothing to generate",
            "valid_until",
        )
    benefits = list_benefits(engine)
    if not any(b.enabled for b in benefits):
        raise CampaignInputError(
            "no benefit is defined; add some with loyalty benefits add FILE", "benefits"
        )
    model_version = models.current_version()
    model = models.load(model_version)
    products, members = load_products(engine), load_members(engine)
    rules = compile_current(engine, products, today)
    run_id = start_run(engine, campaign, today, model_version, rules and rules.version)
    context = OfferContext(
        campaign, benefits, products, members, rules, today, run_id, model_version, journey
    )
    offers, summary = generate_offers(model, context)
    write_offers(engine, offers)
    finish_run(engine, run_id, summary)
    return CampaignRun(run_id, offers, summary)
