"""Set-based writing of many transaction lines, with the import's log entry in the same
database transaction: all of a file or nothing.

SQLite: many lines go as one Arrow table into a temporary table (ADBC's bulk ingest, C speed,
in a child process: see ``loyalty.sqlite_arrow``), then one ``INSERT ... SELECT``; Python's
``executemany`` binds every value through Python objects and is about three times slower, so
it is used only for a few lines. PostgreSQL: ``COPY`` into a temporary table, then the
same ``INSERT ... SELECT``. In both, lines already stored (same member, moment, product and
basket) are skipped, which is what makes importing the same lines twice change nothing.
"""

from __future__ import annotations

import io
from datetime import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import csv
from sqlalchemy import Connection, Engine, text
from sqlalchemy.dialects import postgresql

from loyalty import tables
from loyalty.sqlite_arrow import arrow_file, connect_adbc, in_child, write_transaction

COLUMNS = (
    "member_key",
    "purchased_at",
    "product_key",
    "basket_id",
    "quantity",
    "amount",
    "channel",
    "store_id",
)
LOG_COLUMNS = ("kind", "source", "sha256", "rows_read", "rows_written", "imported_at")
CHUNK_ROWS = 500_000
# Up to this many lines SQLite gets plain inserts in this process; more go through ADBC.
IN_PROCESS_LINES = 200_000


def insert_transactions(engine: Engine, lines: pd.DataFrame, log: dict) -> int:
    """Insert the ``lines`` not stored yet and the import ``log`` entry; return lines written.

    ``log`` holds the ``imports`` columns but ``rows_written``, which is filled in here.
    """
    if engine.dialect.name == "postgresql":
        return _copy_postgresql(engine, lines, log)
    return _ingest_sqlite(engine, lines, log)


def _ingest_sqlite(engine: Engine, lines: pd.DataFrame, log: dict) -> int:
    if len(lines) <= IN_PROCESS_LINES:
        return _insert_sqlite(engine, lines, log)
    # ADBC runs in a child process: see loyalty.sqlite_arrow.
    with arrow_file(_arrow(lines), "loyalty-ingest-") as table:
        return in_child(_adbc_ingest, engine.url.database, str(table), log)


def _insert_sqlite(engine: Engine, lines: pd.DataFrame, log: dict) -> int:
    """A few lines (small files): plain inserts on the engine's own connection."""
    with engine.begin() as connection:
        written = insert_lines(connection, lines)
        connection.exec_driver_sql(_log_sql("?"), _log_row(log, written))
    return written


def insert_lines(connection: Connection, lines: pd.DataFrame) -> int:
    """Insert a few transaction lines (``COLUMNS``) in ``connection``'s transaction, skipping
    those stored already; returns how many were written.

    Moments are written in the one text form every path uses on SQLite (see ``_arrow``): the
    same line, imported or sent as an event, has the same key.
    """
    if connection.dialect.name != "sqlite":
        insert = postgresql.insert(tables.transactions).on_conflict_do_nothing()
        records = lines[list(COLUMNS)].astype(object).to_dict("records")
        found = connection.execute(insert.returning(tables.transactions.c.member_key), records)
        return len(found.all()) if records else 0
    frame = _arrow(lines).to_pandas().astype(object)
    records = frame.where(frame.notna(), None).to_dict("records")
    insert = (
        f"INSERT INTO transactions ({', '.join(COLUMNS)}) VALUES "
        f"({', '.join(':' + c for c in COLUMNS)}) ON CONFLICT DO NOTHING"
    )
    before = connection.exec_driver_sql("SELECT total_changes()").scalar_one()
    if records:
        connection.execute(text(insert), records)
    return connection.exec_driver_sql("SELECT total_changes()").scalar_one() - before


def _adbc_ingest(database: str, table: str, log: dict) -> int:
    """In a child process: the lines of the Arrow file ``table`` into ``database``."""
    lines = pa.ipc.open_file(table).read_all()
    with (
        connect_adbc(database) as connection,
        connection.cursor() as cursor,
        write_transaction(cursor),
    ):
        cursor.adbc_ingest("incoming_transactions", lines, mode="create", temporary=True)
        # "WHERE true" tells SQLite's parser the ON CONFLICT belongs to the INSERT.
        cursor.execute(
            f"INSERT INTO transactions ({', '.join(COLUMNS)}) SELECT {', '.join(COLUMNS)} "
            "FROM temp.incoming_transactions WHERE true ON CONFLICT DO NOTHING"
        )
        cursor.execute("SELECT changes()")
        written = cursor.fetchone()[0]
        cursor.execute("DROP TABLE temp.incoming_transactions")
        cursor.execute(_log_sql("?"), _log_row(log, written))
    return written


def _copy_postgresql(engine: Engine, lines: pd.DataFrame, log: dict) -> int:
    columns = ", ".join(COLUMNS)
    with engine.begin() as outer:
        connection = outer.connection.driver_connection
        with connection.cursor() as cursor:
            cursor.execute(
                "CREATE TEMP TABLE incoming_transactions "
                "(LIKE transactions INCLUDING DEFAULTS) ON COMMIT DROP"
            )
            copy_sql = (
                f"COPY incoming_transactions ({columns}) FROM STDIN "
                "WITH (FORMAT csv, FORCE_NOT_NULL (basket_id))"
            )
            table = _arrow(lines)
            with cursor.copy(copy_sql) as copy:
                for start in range(0, len(lines), CHUNK_ROWS):
                    buffer = io.BytesIO()
                    chunk = table.slice(start, CHUNK_ROWS)
                    csv.write_csv(chunk, buffer, csv.WriteOptions(include_header=False))
                    copy.write(buffer.getvalue())
            cursor.execute(
                f"INSERT INTO transactions ({columns}) SELECT {columns} "
                "FROM incoming_transactions ON CONFLICT DO NOTHING"
            )
            written = cursor.rowcount
            cursor.execute(_log_sql("%s"), _log_row(log, written))
    return written


def _arrow(lines: pd.DataFrame) -> pa.Table:
    # The text form SQLAlchemy's DateTime type writes and reads on SQLite. (Arrow's own
    # timestamp formatting is far slower on lines in member order than in time order.)
    moments = np.datetime_as_string(lines["purchased_at"].to_numpy("datetime64[s]"), unit="s")
    frame = lines[list(COLUMNS)].assign(purchased_at=np.char.replace(moments, "T", " "))
    return pa.Table.from_pandas(frame, preserve_index=False)


def _log_sql(placeholder: str) -> str:
    values = ", ".join(placeholder for _ in LOG_COLUMNS)
    return f"INSERT INTO imports ({', '.join(LOG_COLUMNS)}) VALUES ({values})"


def _log_row(log: dict, written: int) -> tuple:
    entry = {**log, "rows_written": written}
    moment = entry["imported_at"]
    entry["imported_at"] = moment.isoformat(sep=" ") if isinstance(moment, datetime) else moment
    return tuple(entry[name] for name in LOG_COLUMNS)
