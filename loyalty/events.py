"""Events from the store and the web shop: purchases and product views, as they happen.

A batch of events is checked whole (every field, every member and product known) and written in
one database transaction, or not at all. Purchases become transaction lines (so the next
training learns from them; a line stored already is skipped, as on import) and, with views,
rows of the ``events`` table, numbered in the order they arrived. Serving workers fold a
member's purchases numbered after their model's training into that member's selection at the
member's next request (``recommender`` side); views are kept for later use and change no
selection yet.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
from marshmallow import fields, validate
from sqlalchemy import (
    Column,
    DateTime,
    Engine,
    Float,
    Index,
    Integer,
    String,
    Table,
    bindparam,
    func,
    select,
)

from loyalty import tables
from loyalty.bulk import insert_lines
from loyalty.errors import InvalidInputError, RowProblem
from loyalty.formats import TransactionRow

EVENT_TYPES = ("purchase", "view")
MAX_EVENTS = 1000

events = Table(
    "events",
    tables.metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("type", String(16), nullable=False),
    Column("member_id", String(64), nullable=False),
    Column("product_id", String(64), nullable=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("quantity", Float, nullable=False),
    Column("channel", String(8), nullable=False),
    Column("received_at", DateTime, nullable=False),
    Index("ix_events_member", "member_id", "event_id"),
)


class EventRow(TransactionRow):
    """One event: a purchase line (as a transaction line) or a product view."""

    type = fields.String(required=True, validate=validate.OneOf(EVENT_TYPES))
    quantity = fields.Float(load_default=1.0, validate=validate.Range(min=0, min_inclusive=False))
    amount = fields.Float(load_default=0.0)


def record_events(engine: Engine, loaded: list[dict], source: str = "events") -> dict:
    """Store events ``EventRow`` has loaded, all or nothing.

    Returns ``purchases``, ``views``, ``lines_written`` (new transaction lines) and
    ``last_event_id``. Raises ``InvalidInputError`` naming each unknown member or product by
    its position in the batch.
    """
    frame = pd.DataFrame.from_records(loaded)
    with engine.begin() as connection:
        members = _keys(connection, tables.members, "member_id", "member_key", frame)
        products = _keys(connection, tables.products, "product_id", "product_key", frame)
        problems = [
            RowProblem(position, column, f"unknown {column[:-3]} {value!r}")
            for column, known in (("member_id", members), ("product_id", products))
            for position, value in enumerate(frame[column])
            if value not in known
        ]
        if problems:
            raise InvalidInputError(source, problems[:20], total=len(problems))
        purchases = frame[frame["type"] == "purchase"]
        written = 0
        if len(purchases):
            lines = purchases.assign(
                member_key=purchases["member_id"].map(members),
                product_key=purchases["product_id"].map(products),
                purchased_at=purchases["timestamp"],
                basket_id=purchases["basket_id"].fillna(""),
            ).groupby(["member_key", "purchased_at", "product_key", "basket_id"], as_index=False)
            lines = lines.agg(
                quantity=("quantity", "sum"),
                amount=("amount", "sum"),
                channel=("channel", "first"),
                store_id=("store_id", "first"),
            )
            written = insert_lines(connection, lines)
        now = datetime.now()
        connection.execute(
            events.insert(),
            [
                {
                    "type": row["type"],
                    "member_id": row["member_id"],
                    "product_id": row["product_id"],
                    "occurred_at": row["timestamp"],
                    "quantity": row["quantity"],
                    "channel": row["channel"],
                    "received_at": now,
                }
                for row in loaded
            ],
        )
        last = connection.execute(select(func.max(events.c.event_id))).scalar_one()
    return {
        "purchases": len(purchases),
        "views": len(frame) - len(purchases),
        "lines_written": written,
        "last_event_id": last,
    }


def last_event_id(engine: Engine) -> int:
    """The number of the newest event (0 before the first)."""
    with engine.connect() as connection:
        return connection.execute(select(func.max(events.c.event_id))).scalar_one() or 0


# Built once: serving runs this on every request, and building a statement costs more than
# running it.
_MEMBER_PURCHASES = (
    select(
        events.c.event_id,
        events.c.product_id,
        events.c.occurred_at.label("timestamp"),
        events.c.quantity,
    )
    .where(
        events.c.member_id == bindparam("member_id"),
        events.c.event_id > bindparam("after"),
        events.c.type == "purchase",
    )
    .order_by(events.c.event_id)
)
_NO_PURCHASES = pd.DataFrame(columns=["event_id", "product_id", "timestamp", "quantity"])


def member_purchases_after(engine: Engine, member_id: str, after_event_id: int) -> pd.DataFrame:
    """One member's purchase events numbered after ``after_event_id``.

    Columns ``event_id, product_id, timestamp, quantity`` (the columns a model folds in). The
    usual answer, none, is one shared empty frame: read it, do not change it.
    """
    with engine.connect() as connection:
        rows = connection.execute(
            _MEMBER_PURCHASES, {"member_id": member_id, "after": after_event_id}
        ).all()
    if not rows:
        return _NO_PURCHASES
    frame = pd.DataFrame(rows, columns=_NO_PURCHASES.columns)
    return frame.astype({"timestamp": "datetime64[us]"})


def _keys(connection, table, id_column: str, key_column: str, frame: pd.DataFrame) -> dict:
    wanted = sorted(set(frame[id_column]))
    query = select(table.c[id_column], table.c[key_column]).where(table.c[id_column].in_(wanted))
    return dict(connection.execute(query).all())
