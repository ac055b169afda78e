"""A campaign's report: issued, redeemed, spend against budget, and uplift over the holdout.

Uplift compares, over the campaign's validity window up to today, the share of offers whose
product the member went on to buy: for receivers (their offers) and for the holdout (the
offers they would have received; the run keeps them for exactly this). A receivers' rate above
the holdout's is what the offers added.
"""

from __future__ import annotations

from datetime import date, datetime, time

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from loyalty.history import load_transactions
from loyalty.offers.store import get_campaign, run_offers
from loyalty.offers.tables import redemptions


def campaign_report(engine: Engine, name: str, today: date) -> dict:
    """The report of campaign ``name`` as of ``today`` (see the module docstring)."""
    campaign = get_campaign(engine, name)
    wanted = ["member_id", "product_id", "face_value", "holdout"]
    offers = run_offers(engine, campaign.current_run, wanted) if campaign.current_run else None
    with engine.connect() as connection:
        redeemed, spend = connection.execute(
            select(func.count(), func.coalesce(func.sum(redemptions.c.face_value), 0.0)).where(
                redemptions.c.campaign == name
            )
        ).one()
    report = {
        "campaign": name,
        "current_run": campaign.current_run,
        "valid_from": campaign.valid_from.isoformat(),
        "valid_until": campaign.valid_until.isoformat(),
        "budget": campaign.budget,
        "issued": 0,
        "members_reached": 0,
        "face_value_issued": 0.0,
        "redeemed": int(redeemed),
        "redemption_rate": None,
        "spend": round(float(spend), 2),
        "spend_share_of_budget": round(float(spend) / campaign.budget, 4)
        if campaign.budget
        else None,
    }
    if offers is None or offers.empty:
        return report | {"purchases": None}
    issued = offers[~offers["holdout"]]
    report |= {
        "issued": len(issued),
        "members_reached": int(issued["member_id"].nunique()),
        "face_value_issued": round(float(issued["face_value"].sum()), 2),
        "redemption_rate": round(int(redeemed) / len(issued), 4) if len(issued) else None,
    }
    return report | {"purchases": _purchases(engine, offers, campaign.valid_from, today, campaign)}


def _purchases(engine: Engine, offers: pd.DataFrame, start: date, today: date, campaign) -> dict:
    end = min(today, campaign.valid_until)
    if end < start:
        return {"window": None, "receivers_rate": None, "holdout_rate": None, "uplift": None}
    bought = load_transactions(
        engine, since=datetime.combine(start, time.min), until=datetime.combine(end, time.max)
    )
    pairs = pd.MultiIndex.from_frame(bought[["member_id", "product_id"]].astype(str))
    offered = pd.MultiIndex.from_frame(offers[["member_id", "product_id"]].astype(str))
    hit = offered.isin(pairs)
    holdout = offers["holdout"].to_numpy(dtype=bool)

    def rate(mask: np.ndarray) -> float | None:
        return round(float(hit[mask].mean()), 4) if mask.any() else None

    receivers, held = rate(~holdout), rate(holdout)
    return {
        "window": f"{start.isoformat()}..{end.isoformat()}",
        "receiver_offers": int((~holdout).sum()),
        "holdout_offers": int(holdout.sum()),
        "receivers_rate": receivers,
        "holdout_rate": held,
        "uplift": round(receivers / held, 3) if receivers is not None and held else None,
    }
