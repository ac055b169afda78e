"""Offer rows written and read back as they were, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from loyalty.config import Settings
from loyalty.db import connect
from loyalty.offers.store import _MEMBER_OFFERS, _OFFER_BY_ID, OFFER_COLUMNS, write_offers
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


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "bulk"])
def test_offer_rows_come_back_as_written(engine, monkeypatch, in_process):
    if not in_process:  # SQLite: through ADBC in a child process
        monkeypatch.setattr("loyalty.offers.store.IN_PROCESS_OFFERS", 0)
    rows = pd.DataFrame(
        [
            offer("o1"),
            offer("o2", reason='Quoted "Oat milk", a comma\nand a new line', holdout=True, rank=2),
            offer("o3", reason="", model_version=None, ruleset_version=None, kind="discovery"),
        ]
    ).assign(member_id=["M2", "M2", "M1"])  # written in any member order
    write_offers(engine, "r1", rows)
    write_offers(engine, "r1", rows)  # written again (a resumed run): replaced, not doubled
    with engine.connect() as connection:
        query = sa.select(offers).order_by(offers.c.offer_id)
        back = [dict(row) for row in connection.execute(query).mappings()]
    expected = rows.astype(object).where(rows.notna(), None).to_dict("records")
    assert [{c: row[c] for c in OFFER_COLUMNS} for row in back] == expected


@pytest.mark.parametrize("in_process", [True, False], ids=["in-process", "bulk"])
def test_a_failed_write_leaves_the_run_as_it_was(engine, monkeypatch, in_process):
    if not in_process:
        monkeypatch.setattr("loyalty.offers.store.IN_PROCESS_OFFERS", 0)
    write_offers(engine, "r1", pd.DataFrame([offer("o1")]))
    twice = pd.DataFrame([offer("o2", member_id="M2"), offer("o3"), offer("o4")])  # M1 rank 1
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        write_offers(engine, "r1", twice)
    with engine.connect() as connection:
        kept = connection.execute(sa.select(offers.c.offer_id)).scalars().all()
    assert kept == ["o1"]


def test_a_members_offers_and_an_offer_by_id_are_found_by_key_on_sqlite(tmp_path):
    # Joined with campaigns, SQLite once scanned every offer: 3.7 s a request at 1M members.
    engine = connect(Settings(data_dir=tmp_path))
    plans = {}
    with engine.connect() as connection:
        for name, query, values in (
            ("offers", _MEMBER_OFFERS, ("M1", "2026-12-01")),
            ("offers_by_id", _OFFER_BY_ID, ("o1",)),
        ):
            sql = f"EXPLAIN QUERY PLAN {query.compile(engine)}"
            plans[name] = [step[-1] for step in connection.exec_driver_sql(sql, values).all()]
    engine.dispose()
    for table, steps in plans.items():
        assert any(s.startswith(f"SEARCH {table} USING") for s in steps), steps
        assert not any(s.startswith("SCAN offers") for s in steps), steps
