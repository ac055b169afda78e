"""Reading what members bought, and the catalogue and member base, as pandas frames.

This is the one door from the database to the engine, which works on frames with the
retailer's own string ids. Transactions are read column-wise (Arrow on SQLite, through ADBC in
a child process; COPY on PostgreSQL): millions of lines through Python row objects would take
minutes.
"""

from __future__ import annotations

import io
from datetime import datetime
from json import loads

import pandas as pd
from sqlalchemy import JSON, Engine, Text, cast, func, select, text

from loyalty import tables
from loyalty.sqlite_arrow import read_arrow

# Up to this many stored lines SQLite is read in this process; more through ADBC in a child.
IN_PROCESS_LINES = 200_000
TRANSACTION_COLUMNS = ["member_id", "product_id", "timestamp", "quantity", "amount", "channel"]


def load_transactions(
    engine: Engine, *, until: datetime | None = None, since: datetime | None = None
) -> pd.DataFrame:
    """Purchase lines in ``[since, until]``, oldest first.

    Returns columns ``member_id, product_id, timestamp, quantity, amount, channel``.
    """
    t = tables.transactions
    query = select(
        t.c.member_key, t.c.product_key, t.c.purchased_at, t.c.quantity, t.c.amount, t.c.channel
    )
    if until is not None:
        query = query.where(t.c.purchased_at <= until)
    if since is not None:
        query = query.where(t.c.purchased_at >= since)
    # Sorting in pandas is cheaper than asking SQLite to sort a table keyed by member.
    lines = _read_columns(engine, query)
    member_ids = _id_map(engine, tables.members, "member_key", "member_id")
    product_ids = _id_map(engine, tables.products, "product_key", "product_id")
    history = pd.DataFrame(
        {
            "member_id": member_ids.reindex(lines["member_key"]).to_numpy(),
            "product_id": product_ids.reindex(lines["product_key"]).to_numpy(),
            # ISO 8601 in any precision: a database written by an older version may hold
            # moments with and without fractions of a second.
            "timestamp": pd.to_datetime(lines["purchased_at"], format="ISO8601").astype(
                "datetime64[s]"
            ),
            "quantity": lines["quantity"].astype("float64"),
            "amount": lines["amount"].astype("float64"),
            "channel": lines["channel"].astype("str"),
        }
    )
    return history.sort_values("timestamp", kind="stable", ignore_index=True)


def load_products(engine: Engine) -> pd.DataFrame:
    """The catalogue: one row per product, attributes as a dict column."""
    frame = _read_small(engine, tables.products, "product_key")
    frame["launched_at"] = pd.to_datetime(frame["launched_at"])
    frame["margin_pct"] = frame["margin_pct"].astype("float64")
    return frame.drop(columns=["product_key"])


def load_members(engine: Engine) -> pd.DataFrame:
    """The member base: one row per member, attributes as a dict column."""
    frame = _read_small(engine, tables.members, "member_key")
    frame["joined_at"] = pd.to_datetime(frame["joined_at"])
    frame["birth_year"] = frame["birth_year"].astype("Int64")
    return frame.drop(columns=["member_key"])


def _read_small(engine: Engine, table, order_by: str) -> pd.DataFrame:
    """A table, column by column. JSON is read as text and each distinct text parsed once
    (a member base repeats a few attribute sets); every row still gets its own dict."""
    json = [c.name for c in table.columns if isinstance(c.type, JSON)]
    columns = [cast(c, Text).label(c.name) if c.name in json else c for c in table.columns]
    with engine.connect() as connection:
        result = connection.execute(select(*columns).order_by(table.c[order_by]))
        names, rows = list(result.keys()), result.all()
    values = zip(*rows, strict=True) if rows else ([] for _ in names)
    data = {name: list(column) for name, column in zip(names, values, strict=True)}
    for name in json:
        parsed = {text: loads(text) for text in set(data[name])}
        data[name] = pd.Series([dict(parsed[text]) for text in data[name]], dtype=object)
    return pd.DataFrame(data)


def _id_map(engine: Engine, table, key: str, id_column: str) -> pd.Series:
    with engine.connect() as connection:
        rows = connection.execute(select(table.c[key], table.c[id_column])).all()
    return pd.Series([r[1] for r in rows], index=[r[0] for r in rows], dtype="str")


def _read_columns(engine: Engine, query) -> pd.DataFrame:
    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
    if engine.dialect.name == "postgresql":
        return _copy_out(engine, sql)
    if engine.dialect.name == "sqlite":
        return _arrow_sqlite(engine, sql)
    with engine.connect() as connection:
        return pd.read_sql(query, connection)


def _arrow_sqlite(engine: Engine, sql: str) -> pd.DataFrame:
    """Few lines: read in this process; many: ADBC in a child (``loyalty.sqlite_arrow``)."""
    with engine.connect() as connection:
        # Counting stops after IN_PROCESS_LINES + 1: no pass over a large table to find out.
        first = select(tables.transactions.c.member_key).limit(IN_PROCESS_LINES + 1).subquery()
        lines = connection.execute(select(func.count()).select_from(first))
        if lines.scalar_one() <= IN_PROCESS_LINES:
            return pd.read_sql(text(sql), connection)
    return read_arrow(engine.url.database, sql).to_pandas()


def _copy_out(engine: Engine, sql: str) -> pd.DataFrame:
    buffer = io.BytesIO()
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH CSV HEADER") as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    return pd.read_csv(buffer, engine="pyarrow")
