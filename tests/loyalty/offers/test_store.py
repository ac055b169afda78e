"""Offer rows written and read back as they were, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa

from loyalty.offers.store import OFFER_COLUMNS, write_offers
from loyalty.offers.tables import offers


def offer(offer_id: str, **changes) -> dict:
    row = {
        "run_id": "r1",
        "offer_id": offer_id,
        "campaign": "december",
        "member_id": "M1",
        "rank": 1,
        "product_id": "P1",
        "benefit_id": "ten-percent",
        "benefit_type": "percent_off",
        "benefit_value": 10.0,
        "face_value": 1.99,
        "expected_value": 0.123456789012345,
        "valid_from": date(2026, 12, 1),
        "valid_until": date(2026, 12, 24),
        "channels": "store;web",
        "journey_stage": "active",
        "kind": "favourite",
        "personalized": True,
        "holdout": False,
        "reason": "You bought this once, most recently today",
        "score": -1.5,
        "model_version": "v0001",
        "ruleset_version": 3,
    }
    return row | changes


def test_offer_rows_come_back_as_written(engine):
    rows = pd.DataFrame(
        [
            offer("o1"),
            offer("o2", reason='Quoted "Oat milk", a comma\nand a new line', holdout=True),
            offer("o3", reason="", model_version=None, ruleset_version=None, kind="discovery"),
        ]
    )
    write_offers(engine, "r1", rows)
    write_offers(engine, "r1", rows)  # written again (a resumed run): replaced, not doubled
    with engine.connect() as connection:
        query = sa.select(offers).order_by(offers.c.offer_id)
        back = [dict(row) for row in connection.execute(query).mappings()]
    expected = rows.astype(object).where(rows.notna(), None).to_dict("records")
    assert [{c: row[c] for c in OFFER_COLUMNS} for row in back] == expected
