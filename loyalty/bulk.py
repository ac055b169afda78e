"""Set-based writing of many transaction lines: executemany on SQLite, COPY on PostgreSQL.

Lines already stored (same member, moment, product and basket) are skipped, which is what
makes importing the same file twice change nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection

COLUMNS = (
    "member_key",
    "product_key",
    "purchased_at",
    "quantity",
    "amount",
    "channel",
    "store_id",
    "basket_id",
)
CHUNK_ROWS = 250_000


def insert_transactions(connection: Connection, lines: pd.DataFrame) -> int:
    """Insert ``lines`` (columns ``COLUMNS``) that are not stored yet; return how many were new."""
    if lines.empty:
        return 0
    # In key order, each line lands next to the previous one in the key's B-tree.
    lines = lines.sort_values(["member_key", "purchased_at", "product_key", "basket_id"])
    if connection.dialect.name == "postgresql":
        return _copy_postgresql(connection, lines)
    return _executemany(connection, lines)


def _executemany(connection: Connection, lines: pd.DataFrame) -> int:
    placeholders = ", ".join("?" for _ in COLUMNS)
    sql = (
        f"INSERT INTO transactions ({', '.join(COLUMNS)}) VALUES ({placeholders}) "
        "ON CONFLICT DO NOTHING"
    )
    cursor = connection.connection.driver_connection.cursor()
    written = 0
    for start in range(0, len(lines), CHUNK_ROWS):
        cursor.executemany(sql, _rows(lines.iloc[start : start + CHUNK_ROWS]))
        written += cursor.rowcount
    cursor.close()
    return written


def _copy_postgresql(connection: Connection, lines: pd.DataFrame) -> int:
    raw = connection.connection.driver_connection
    columns = ", ".join(COLUMNS)
    with raw.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE incoming_transactions "
            "(LIKE transactions INCLUDING DEFAULTS) ON COMMIT DROP"
        )
        copy_sql = (
            f"COPY incoming_transactions ({columns}) FROM STDIN "
            "WITH (FORMAT csv, FORCE_NOT_NULL (basket_id))"
        )
        with cursor.copy(copy_sql) as copy:
            for start in range(0, len(lines), CHUNK_ROWS):
                chunk = lines.iloc[start : start + CHUNK_ROWS][list(COLUMNS)]
                copy.write(chunk.to_csv(header=False, index=False, date_format="%Y-%m-%d %H:%M:%S"))
        cursor.execute(
            f"INSERT INTO transactions ({columns}) SELECT {columns} "
            "FROM incoming_transactions ON CONFLICT DO NOTHING"
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE incoming_transactions")
    return written


def _rows(chunk: pd.DataFrame):
    # The same text form SQLAlchemy's SQLite DateTime type writes, so ORM reads agree.
    moments = np.datetime_as_string(chunk["purchased_at"].to_numpy("datetime64[s]"), unit="s")
    moments = np.char.replace(moments, "T", " ")
    store = chunk["store_id"].astype(object).where(chunk["store_id"].notna(), None)
    return zip(
        chunk["member_key"].tolist(),
        chunk["product_key"].tolist(),
        moments.tolist(),
        chunk["quantity"].tolist(),
        chunk["amount"].tolist(),
        chunk["channel"].tolist(),
        store.tolist(),
        chunk["basket_id"].tolist(),
        strict=True,
    )
