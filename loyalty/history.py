"""Reading what members bought, and the catalogue and member base, as pandas frames.

This is the one door from the database to the engine, which works on frames with the
retailer's own string ids. Transactions are read column-wise (Arrow on SQLite, through ADBC in
a child process; COPY on PostgreSQL): millions of lines through Python row objects would take
minutes.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import Sequence
from datetime import datetime
from json import loads

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
from sqlalchemy import JSON, Boolean, Engine, Text, cast, func, select, text

from loyalty import tables
from loyalty.db import rows_above
from loyalty.sqlite_arrow import read_arrow

# Up to this many stored lines (or rows of the member base) SQLite is read in this process;
# more through ADBC in a child.
IN_PROCESS_LINES = 200_000
TRANSACTION_COLUMNS = ["member_id", "product_id", "timestamp", "quantity", "amount", "channel"]


def load_transactions(
    engine: Engine,
    *,
    until: datetime | None = None,
    since: datetime | None = None,
    columns: Sequence[str] = TRANSACTION_COLUMNS,
    for_learning: bool = False,
) -> pd.DataFrame:
    """Purchase lines in ``[since, until]``, oldest first.

    Returns ``columns`` (of ``member_id, product_id, timestamp, quantity, amount, channel``,
    all by default); fewer columns read faster. ``for_learning`` gives the lines in stored
    order (by member), not by time, and the ids as ``pandas.Categorical`` columns (each line
    a code into the members' or products' ids), which the engine maps to matrix rows without
    reading a string per line: 16.6 million lines took 9.4 s to read and map, not 16.4 s.
    """
    t = tables.transactions
    stored = {"member_id": t.c.member_key, "product_id": t.c.product_key}
    wanted = [stored[n] if n in stored else t.c[n] for n in columns if n != "timestamp"]
    query = select(t.c.purchased_at, *wanted)
    if until is not None:
        query = query.where(t.c.purchased_at <= until)
    if since is not None:
        query = query.where(t.c.purchased_at >= since)
    lines = _read_columns(engine, query)
    seconds = _seconds(lines["purchased_at"])
    # Sorting in numpy is cheaper than asking SQLite to sort a table keyed by member; keys
    # are put in order before they become ids, so no string moves twice.
    order = slice(None) if for_learning else np.argsort(seconds, kind="stable")
    ids = _categories if for_learning else _ids
    read = {
        "member_id": lambda: ids(engine, tables.members, "member_id", lines["member_key"], order),
        "product_id": lambda: ids(
            engine, tables.products, "product_id", lines["product_key"], order
        ),
        "timestamp": lambda: seconds[order].astype("datetime64[s]"),
        "quantity": lambda: _floats(lines["quantity"])[order],
        "amount": lambda: _floats(lines["amount"])[order],
        "channel": lambda: pd.array(lines["channel"], dtype="str")[order],
    }
    return pd.DataFrame({name: read[name]() for name in columns}, copy=False)


def _seconds(moments: pa.ChunkedArray) -> np.ndarray:
    """Seconds since 1970 (int64) of stored moments: timestamps, or ISO 8601 text.

    Text is parsed by Arrow (a quarter of a second for 16 million lines, where pandas takes
    15), in any precision: a database written by an older version may hold moments with and
    without fractions of a second. Text Arrow does not take (a zone offset) goes to pandas.
    """
    if pa.types.is_string(moments.type) or pa.types.is_large_string(moments.type):
        try:
            moments = pc.cast(moments, pa.timestamp("ns"))
        except pa.ArrowInvalid:
            parsed = pd.to_datetime(moments.to_pandas(), format="ISO8601")
            return parsed.to_numpy().astype("datetime64[s]").view(np.int64)
    stamps = pc.cast(moments, pa.timestamp("s"), safe=False)
    return stamps.to_numpy().view(np.int64)


def _floats(values: pa.ChunkedArray) -> np.ndarray:
    return values.to_numpy().astype(np.float64, copy=False)


def _ids(
    engine: Engine, table, id_column: str, keys: pa.ChunkedArray, order
) -> pd.api.extensions.ExtensionArray:
    """The ids of the lines' ``keys`` in ``order``, as an Arrow string column (one take, no
    Python string per line)."""
    positions, ids = _positions(engine, table, id_column, keys, order)
    ids = pa.array(ids, pa.large_string())
    return pd.array(ids.take(pa.array(positions, mask=positions < 0)), dtype="str")


def _categories(engine: Engine, table, id_column: str, keys: pa.ChunkedArray, order):
    """The ids of the lines' ``keys`` in ``order``, as codes into the table's ids (-1: none)."""
    positions, ids = _positions(engine, table, id_column, keys, order)
    return pd.Categorical.from_codes(positions, categories=pd.Index(ids, dtype=object))


def _positions(
    engine: Engine, table, id_column: str, keys: pa.ChunkedArray, order
) -> tuple[np.ndarray, list[str]]:
    """The table's ids, and the position among them of each of the lines' ``keys`` in
    ``order`` (-1: not in the table)."""
    key = table.primary_key.columns[0]
    with engine.connect() as connection:
        rows = connection.execute(select(key, table.c[id_column])).all()
    keys = keys.to_numpy().astype(np.int64, copy=False)[order]
    known = np.fromiter((r[0] for r in rows), np.int64, len(rows))
    lookup = np.full(max(int(known.max(initial=0)), int(keys.max(initial=0))) + 1, -1)
    lookup[known] = np.arange(len(rows))
    return lookup[keys], [r[1] for r in rows]


def load_products(engine: Engine) -> pd.DataFrame:
    """The catalogue: one row per product, attributes as a dict column."""
    frame = _read_table(engine, tables.products, "product_key")
    frame["launched_at"] = _days(frame["launched_at"])
    frame["margin_pct"] = frame["margin_pct"].astype("float64")
    return frame.drop(columns=["product_key"])


def load_members(engine: Engine) -> pd.DataFrame:
    """The member base: one row per member, attributes as a dict column."""
    frame = _read_table(engine, tables.members, "member_key")
    frame["joined_at"] = _days(frame["joined_at"])
    frame["birth_year"] = frame["birth_year"].astype("Int64")
    return frame.drop(columns=["member_key"])


def _days(values: pd.Series) -> pd.Series:
    """Dates (date objects from PostgreSQL, ISO text from SQLite) as datetime64 in seconds."""
    return pd.to_datetime(values).astype("datetime64[s]")


def _read_table(engine: Engine, table, order_by: str) -> pd.DataFrame:
    """A table, column by column; JSON as dicts (each distinct text parsed once, every row
    still its own dict), booleans as booleans, dates left to the caller (SQLite gives text).

    On SQLite a large table (a million members) is read by ADBC in a child: 1.7 s against
    5.2 s through Python rows.
    """
    json = [c.name for c in table.columns if isinstance(c.type, JSON)]
    columns = [cast(c, Text).label(c.name) if c.name in json else c for c in table.columns]
    query = _sql(engine, select(*columns).order_by(table.c[order_by]))
    key = select(table.primary_key.columns[0])
    if engine.dialect.name == "sqlite" and rows_above(engine, key, IN_PROCESS_LINES):
        values = read_arrow(engine.url.database, query)
        data = {c.name: _column(values[c.name]) for c in table.columns}
    else:
        data = _driver_rows(engine, query)
    for name in json:
        codes, texts = pd.factorize(np.asarray(data[name], dtype=object), use_na_sentinel=False)
        parsed = [None if t is None or t != t else loads(t) for t in texts]
        data[name] = pd.Series([_copy(parsed[c]) for c in codes.tolist()], dtype=object)
    frame = pd.DataFrame(data)
    for column in table.columns:
        if isinstance(column.type, Boolean):
            frame[column.name] = frame[column.name].astype(bool)
    return frame


def _column(values: pa.ChunkedArray):
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return pd.array(values, dtype="str")
    return values.to_pandas()


def _copy(value):
    return dict(value) if isinstance(value, dict) else value


def _driver_rows(engine: Engine, query: str) -> dict[str, list]:
    """Rows straight from the driver's cursor, as plain tuples: SQLAlchemy's rows and type
    conversions took half of the 4.6 s a million members took to read."""
    with engine.connect() as connection:
        cursor = connection.connection.driver_connection.cursor()
        try:
            cursor.execute(query)
            names, rows = [d[0] for d in cursor.description], cursor.fetchall()
        finally:
            cursor.close()
    values = zip(*rows, strict=True) if rows else ([] for _ in names)
    return {name: list(column) for name, column in zip(names, values, strict=True)}


def _read_columns(engine: Engine, query) -> pa.Table:
    if engine.dialect.name == "postgresql":
        return _copy_out(engine, _sql(engine, query))
    if engine.dialect.name == "sqlite":
        return _arrow_sqlite(engine, query)
    with engine.connect() as connection:
        return pa.Table.from_pandas(pd.read_sql(query, connection), preserve_index=False)


def _sql(engine: Engine, query) -> str:
    return str(query.compile(engine, compile_kwargs={"literal_binds": True}))


def _arrow_sqlite(engine: Engine, query) -> pa.Table:
    """Few lines: read in this process; many: ADBC in children (``loyalty.sqlite_arrow``),
    one range of member keys per core."""
    member_key = tables.transactions.c.member_key
    if not rows_above(engine, select(member_key), IN_PROCESS_LINES):
        with engine.connect() as connection:
            frame = pd.read_sql(text(_sql(engine, query)), connection)
        return pa.Table.from_pandas(frame, preserve_index=False)
    with engine.connect() as connection:
        # Two queries: SQLite answers a lone min() or max() from the key, both at once by a scan.
        low = connection.execute(select(func.min(member_key))).scalar_one()
        high = connection.execute(select(func.max(member_key))).scalar_one()
    bounds = np.linspace(low, high + 1, (os.cpu_count() or 1) + 1).round().astype(int)
    parts = [
        _sql(engine, query.where(member_key >= int(start), member_key < int(stop)))
        for start, stop in itertools.pairwise(bounds)
    ]
    return read_arrow(engine.url.database, *parts)


def _copy_out(engine: Engine, sql: str) -> pa.Table:
    buffer = io.BytesIO()
    with engine.connect() as connection:
        raw = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(f"COPY ({sql}) TO STDOUT WITH CSV HEADER") as copy:
            for block in copy:
                buffer.write(block)
    buffer.seek(0)
    return pa_csv.read_csv(buffer)
