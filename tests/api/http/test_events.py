"""``POST /v1/events``: purchases reach the member's next selection at once, on every worker."""

from __future__ import annotations

import datetime

import pandas as pd
import sqlalchemy as sa

from api.app import create_app
from loyalty import tables
from loyalty.events import events as events_table
from loyalty.formats import TransactionRow
from loyalty.history import load_transactions
from loyalty.ingest import import_records
from tests.api.http.conftest import assert_error
from tests.api.http.test_selections import shop as shop  # the fixture

MEMBER = "M000001"


def favourites(client, as_role, member=MEMBER) -> dict[str, str]:
    response = client.get(
        f"/v1/members/{member}/selection", query_string={"limit": 40}, headers=as_role("channel")
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    items = response.get_json()["items"]
    return {i["product_id"]: i["reason"] for i in items if i["kind"] == "favourite"}


def never_bought(engine, member=MEMBER) -> str:
    """A product others bought (the model knows it) that ``member`` never bought."""
    t, p, m = tables.transactions, tables.products, tables.members
    lines = (
        sa.select(p.c.product_id, m.c.member_id, p.c.channels)
        .join(t, t.c.product_key == p.c.product_key)
        .join(m, m.c.member_key == t.c.member_key)
    )
    with engine.connect() as connection:
        rows = connection.execute(lines).all()
    mine = {product for product, buyer, _ in rows if buyer == member}
    return min(product for product, _, sold in rows if product not in mine and "web" in sold)


def purchase(product, day, member=MEMBER, **extra) -> dict:
    return {
        "type": "purchase",
        "member_id": member,
        "product_id": product,
        "timestamp": f"{day}T10:00:00",
        "quantity": 1,
        "amount": 2.5,
        **extra,
    }


def counts(engine) -> tuple[int, int]:
    with engine.connect() as connection:
        lines = connection.execute(sa.select(sa.func.count()).select_from(tables.transactions))
        stored = connection.execute(sa.select(sa.func.count()).select_from(events_table))
        return lines.scalar_one(), stored.scalar_one()


def test_purchases_reach_the_next_selection_on_every_worker(settings, as_role, engine, shop):
    shop()
    product = never_bought(engine)
    # Two apps on one database stand for two gunicorn workers; today is just after the data.
    today = settings.with_overrides(as_of=datetime.date(2026, 7, 3))
    workers = [create_app(settings=today, test_config={"KEY_CACHE_SECONDS": 0.0}) for _ in "ab"]
    client, other = (worker.test_client() for worker in workers)
    try:
        assert product not in favourites(client, as_role)
        assert product not in favourites(other, as_role)
        batch = [purchase(product, day) for day in ("2026-06-20", "2026-06-27", "2026-07-02")]
        batch.append({**purchase(product, "2026-07-02"), "type": "view"})
        response = client.post("/v1/events", json={"events": batch}, headers=as_role("channel"))
        assert response.status_code == 200, response.get_data(as_text=True)
        body = response.get_json()
        assert (body["purchases"], body["views"], body["lines_written"]) == (3, 1, 3)
        for worker in (client, other):
            mine = favourites(worker, as_role)
            assert mine.get(product) == "You bought this 3 times, most recently yesterday", mine
        # The same events again are recorded as events, but add no transaction line.
        again = client.post("/v1/events", json={"events": batch[:1]}, headers=as_role("channel"))
        assert again.get_json()["lines_written"] == 0
    finally:
        for worker in workers:
            worker.extensions["loyalty"].close()


def test_a_bad_event_writes_nothing_and_is_named(client, as_role, engine, shop):
    shop()
    before = counts(engine)
    product = never_bought(engine)
    batch = [purchase(product, "2026-11-22"), purchase(product, "2026-11-22", member="NOBODY")]
    body = assert_error(
        client.post("/v1/events", json={"events": batch}, headers=as_role("channel")), 422
    )
    assert "unknown member 'NOBODY'" in str(body["errors"]["json"]["events"]["1"]["member_id"])
    body = assert_error(
        client.post(
            "/v1/events",
            json={"events": [{**purchase(product, "2026-11-22"), "type": "click", "quantity": -1}]},
            headers=as_role("channel"),
        ),
        422,
    )
    assert set(body["errors"]["json"]["events"]["0"]) == {"type", "quantity"}
    for wrong in ([], [purchase(product, "2026-11-22")] * 1001):
        body = assert_error(
            client.post("/v1/events", json={"events": wrong}, headers=as_role("channel")), 422
        )
        assert "events" in body["errors"]["json"]
    assert counts(engine) == before


def test_only_channels_and_admins_send_events(client, as_role, shop):
    shop()
    event = {"events": [purchase("P00001", "2026-11-22")]}
    assert_error(client.post("/v1/events", json=event), 401)
    assert_error(client.post("/v1/events", json=event, headers=as_role("marketer")), 403)


def test_an_event_and_an_import_of_the_same_line_store_it_once(client, as_role, engine, shop):
    product = never_bought(engine)
    line = {**purchase(product, "2026-07-02"), "basket_id": "R-9"}
    sent = client.post("/v1/events", json={"events": [line]}, headers=as_role("channel"))
    assert sent.get_json()["lines_written"] == 1
    record = TransactionRow().load({k: v for k, v in line.items() if k != "type"})
    assert import_records(engine, "transactions", [record], TransactionRow()).rows_written == 0
    stored = load_transactions(engine)
    mine = stored[(stored["member_id"] == MEMBER) & (stored["product_id"] == product)]
    assert list(mine["timestamp"]) == [pd.Timestamp("2026-07-02 10:00:00")]
