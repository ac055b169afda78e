"""Offer rows written and read back as they were, and a run made current with them in one
transaction, on SQLite and PostgreSQL (in process and, on SQLite, through ADBC in a child)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
import sqlalchemy as sa

from loyalty.config import Settings
from loyalty.db import connect
from loyalty.offers.campaigns import Campaign
from loyalty.offers.errors import OfferNotFoundError
from loyalty.offers.store import (
    _MEMBER_OFFERS,
    _OFFER_BY_ID,
    OFFER_COLUMNS,
    create_campaign,
    current_offers,
    find_offer,
    get_campaign,
    get_run,
    publish_run,
    publishing,
    replaced_offers_deleted,
    run_offers,
    start_run,
)
from loyalty.offers.tables import offer_reasons, offers

DECEMBER = Campaign("december", 100.0, 3, date(2026, 12, 1), date(2026, 12, 24))


def offer(offer_id: str, **changes) -> dict:
    row = {
        "run_id": "december-r0001",
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


def new_run(engine) -> str:
    """A new run of ``DECEMBER`` (made on first use)."""
    try:
        get_campaign(engine, DECEMBER.name)
    except OfferNotFoundError:
        create_campaign(engine, DECEMBER)
    return start_run(engine, DECEMBER, date(2026, 11, 30), "v0001", 3)


@pytest.fixture(params=[True, False], ids=["in-process", "bulk"])
def in_process(request, monkeypatch) -> bool:
    if not request.param:  # SQLite: through ADBC in a child process
        monkeypatch.setattr("loyalty.offers.store.IN_PROCESS_OFFERS", 0)
    return request.param


def test_offer_rows_come_back_as_written(engine, in_process):
    run_id = new_run(engine)
    rows = pd.DataFrame(
        [
            offer("o1"),
            offer("o2", reason='Quoted "Oat milk", a comma\nand a new line', holdout=True, rank=2),
            offer("o3", reason="", model_version=None, ruleset_version=None, kind="discovery"),
        ]
    ).assign(member_id=["M2", "M2", "M1"])  # written in any member order
    publish_run(engine, run_id, rows, {"offers": 3})
    publish_run(engine, run_id, rows, {"offers": 3})  # again (a resumed run): not doubled
    back = run_offers(engine, run_id).sort_values("offer_id")
    back = back.astype(object).where(back.notna(), None).to_dict("records")
    expected = rows.astype(object).where(rows.notna(), None).to_dict("records")
    assert [{c: row[c] for c in OFFER_COLUMNS} for row in back] == expected
    with engine.connect() as connection:  # each distinct reason once
        reasons = connection.execute(sa.select(offer_reasons.c.reason)).scalars().all()
    assert sorted(reasons) == sorted(set(rows["reason"]))


def test_a_published_run_replaces_the_current_one_whole(engine, in_process):
    first = new_run(engine)
    publish_run(engine, first, pd.DataFrame([offer("o1"), offer("o2", rank=2)]), {"offers": 2})
    second = new_run(engine)
    rows = pd.DataFrame([offer("o3", run_id=second, member_id="M2")])
    summary = {"offers": 1, "by_stage": {"active": 1}, "budget_used": 0.02}
    publish_run(engine, second, rows, summary)
    assert get_campaign(engine, "december").current_run == second
    assert get_run(engine, first)["status"] == "replaced"
    done = get_run(engine, second)
    assert done["status"] == "complete" and done["summary"] == summary
    assert done["finished_at"] >= done["started_at"]
    assert current_offers(engine)["offer_id"].tolist() == ["o3"]
    assert find_offer(engine, "o3")["member_id"] == "M2" and find_offer(engine, "o1") is None
    publish_run(engine, second, rows, summary)  # published again: it replaces nothing
    assert get_run(engine, second)["status"] == "complete"
    with replaced_offers_deleted(engine, "december"):  # as the next generation starts
        pass
    with engine.connect() as connection:  # the replaced run's offers are gone
        assert connection.execute(sa.select(offers.c.offer_id)).scalars().all() == ["o3"]
        reasons = connection.execute(sa.select(offer_reasons.c.run_id)).scalars().all()
    assert reasons == [second]


def test_a_failed_publish_leaves_the_current_run_as_it_was(engine, in_process):
    first = new_run(engine)
    publish_run(engine, first, pd.DataFrame([offer("o1")]), {"offers": 1})
    second = new_run(engine)
    # M1 rank 1 twice: the key refuses the second, after the first run's offers were deleted.
    twice = [offer("o2", member_id="M2"), offer("o3"), offer("o4")]
    with pytest.raises(Exception, match=r"(?i)unique|duplicate"):
        publish_run(engine, second, pd.DataFrame(twice).assign(run_id=second), {"offers": 3})
    assert get_campaign(engine, "december").current_run == first
    assert get_run(engine, first)["status"] == "complete"
    assert get_run(engine, second)["status"] == "running"
    assert current_offers(engine)["offer_id"].tolist() == ["o1"]
    with engine.connect() as connection:
        kept = connection.execute(sa.select(offers.c.offer_id)).scalars().all()
    assert kept == ["o1"]


def test_a_run_abandoned_while_its_offers_are_made_leaves_the_current_run(engine, in_process):
    first = new_run(engine)
    publish_run(engine, first, pd.DataFrame([offer("o1")]), {"offers": 1})
    second = new_run(engine)
    with pytest.raises(ValueError, match="no budget"), publishing(engine, second, 3):
        raise ValueError("no budget")
    assert get_campaign(engine, "december").current_run == first
    assert current_offers(engine)["offer_id"].tolist() == ["o1"]
    assert get_run(engine, second)["status"] == "running"
    with publishing(engine, second, 1) as publisher:  # and it can be published after all
        publisher.add(pd.DataFrame([offer("o2", run_id=second)]))
        publisher.finish({"offers": 1})
    assert current_offers(engine)["offer_id"].tolist() == ["o2"]


def test_a_run_published_in_parts_reads_as_one(engine, in_process):
    # Each part is written while the next is made; a reason in two parts is stored twice.
    run_id = new_run(engine)
    same = "Because you buy oat milk"
    rows = pd.DataFrame(
        [
            offer("o1", member_id="M1", reason=same),
            offer("o2", member_id="M1", reason="You bought this twice", rank=2),
            offer("o3", member_id="M2", reason=same),
            offer("o4", member_id="M3", reason="Popular with gold members"),
        ]
    ).assign(run_id=run_id)
    with publishing(engine, run_id, len(rows)) as publisher:
        for part in (rows.iloc[:2], rows.iloc[2:3], rows.iloc[3:]):
            publisher.add(part)
        publisher.finish({"offers": 4})
    written = run_offers(engine, run_id)
    assert written["offer_id"].tolist() == ["o1", "o2", "o3", "o4"]
    assert written["reason"].tolist() == rows["reason"].tolist()
    assert current_offers(engine)["offer_id"].tolist() == ["o1", "o2", "o3", "o4"]
    assert find_offer(engine, "o3")["member_id"] == "M2"


def test_a_run_abandoned_after_some_parts_were_written_leaves_nothing(engine, in_process):
    first = new_run(engine)
    publish_run(engine, first, pd.DataFrame([offer("o1")]), {"offers": 1})
    second = new_run(engine)
    with pytest.raises(ValueError, match="out of disk"), publishing(engine, second, 2) as publisher:
        publisher.add(pd.DataFrame([offer("o2", run_id=second)]))
        raise ValueError("out of disk")
    assert get_campaign(engine, "december").current_run == first
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
        assert not any(s.startswith("SCAN offer") for s in steps), steps


@pytest.mark.parametrize(
    "versions",
    [[("v0001", 3)] * 3, [(None, None)] * 3, [("v0001", None), (None, 3), ("v0002", 3)]],
    ids=["known", "none", "some"],
)
def test_a_large_run_read_in_a_child_is_the_frame_read_in_process(engine, monkeypatch, versions):
    # On SQLite a large run is read by ADBC: dates, booleans and missing versions come back
    # with the types SQLAlchemy's rows give them.
    run_id = new_run(engine)
    rows = pd.DataFrame(
        [
            offer("o1", holdout=True),
            offer("o2", rank=2),
            offer("o3", member_id="M2", reason="", kind="discovery", personalized=False),
        ]
    ).assign(
        model_version=[model for model, _ in versions],
        ruleset_version=[rules for _, rules in versions],
    )
    publish_run(engine, run_id, rows, {"offers": 3})
    some = ["member_id", "holdout", "valid_until", "reason"]
    in_process, some_in_process = run_offers(engine, run_id), run_offers(engine, run_id, some)
    monkeypatch.setattr("loyalty.offers.store.IN_PROCESS_OFFERS", 0)
    pd.testing.assert_frame_equal(run_offers(engine, run_id), in_process)
    pd.testing.assert_frame_equal(run_offers(engine, run_id, some), some_in_process)
    pd.testing.assert_frame_equal(some_in_process, in_process[some])
    assert in_process["offer_id"].tolist() == ["o1", "o2", "o3"]
    assert in_process["holdout"].tolist() == [True, False, False]
