"""Members and products by the retailer's id: upserts that write only what is new or changed,
and single-row reads."""

from __future__ import annotations

import functools
import json
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, Table, bindparam, insert, select, update

from loyalty import tables
from loyalty.errors import NotFoundError

LIST_COLUMNS = ("tags", "channels")
# Up to this many incoming rows, compare against just those ids; beyond, read the whole table.
SELECTIVE_READ_LIMIT = 1_000


def upsert_by_id(connection: Connection, table: Table, rows: pd.DataFrame) -> int:
    """Insert rows with new ids and update rows whose values changed; return rows written."""
    id_column = _id_column(table)
    incoming = to_records(table, rows)
    query = select(*_value_columns(table))
    if len(incoming) <= SELECTIVE_READ_LIMIT:
        query = query.where(table.c[id_column].in_([r[id_column] for r in incoming]))
    stored = {row[id_column]: _canonical(row) for row in connection.execute(query).mappings()}
    new = [r for r in incoming if r[id_column] not in stored]
    changed = [
        r for r in incoming if r[id_column] in stored and stored[r[id_column]] != _canonical(r)
    ]
    if new:
        connection.execute(insert(table), new)
    if changed:
        statement = (
            update(table)
            .where(table.c[id_column] == bindparam("match_id"))
            .values(
                {c.name: bindparam(c.name) for c in _value_columns(table) if c.name != id_column}
            )
        )
        connection.execute(statement, [{**r, "match_id": r[id_column]} for r in changed])
    return len(new) + len(changed)


def to_records(table: Table, rows: pd.DataFrame) -> list[dict]:
    """Validated rows as plain Python dicts with the table's column names and types."""
    columns = [c.name for c in _value_columns(table)]
    frame = rows.reindex(columns=columns)
    if "attributes" in frame and frame["attributes"].isna().any():
        frame["attributes"] = [a if isinstance(a, dict) else {} for a in frame["attributes"]]
    for name in LIST_COLUMNS:
        if name in frame:
            frame[name] = [";".join(items) for items in frame[name]]
    return [
        {name: _plain(value) for name, value in zip(columns, values, strict=True)}
        for values in frame.itertuples(index=False, name=None)
    ]


def _id_column(table: Table) -> str:
    return f"{table.name[:-1]}_id"


def _value_columns(table: Table):
    return [c for c in table.columns if not c.primary_key]


def _plain(value):
    if isinstance(value, dict | list | str):
        return value
    if pd.isna(value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.generic):
        return value.item()
    return value


def _canonical(record) -> str:
    def default(value):
        if isinstance(value, datetime | date):
            return value.isoformat()
        raise TypeError(type(value))

    return json.dumps(dict(record), sort_keys=True, default=default)


@functools.cache
def _find_query(table: Table):
    """One row by id, built once per table (serving reads a member on every request)."""
    return select(*_value_columns(table)).where(table.c[_id_column(table)] == bindparam("id"))


def find_member(engine: Engine, member_id: str) -> dict:
    """One member as stored; ``NotFoundError`` when there is none with this id."""
    return _find(engine, tables.members, member_id, "member")


def find_product(engine: Engine, product_id: str) -> dict:
    """One product as stored, tags and channels as lists."""
    product = _find(engine, tables.products, product_id, "product")
    for name in LIST_COLUMNS:
        product[name] = [item for item in product[name].split(";") if item]
    return product


def _find(engine: Engine, table: Table, value: str, what: str) -> dict:
    with engine.connect() as connection:
        row = connection.execute(_find_query(table), {"id": value}).mappings().first()
    if row is None:
        raise NotFoundError(f"no {what} with id {value!r}")
    return dict(row)
