"""Importing members, products and transactions from files, all or nothing.

Every row is validated before anything is written; the file is then written in one database
transaction. Members and products are upserted by id (only new or changed rows are written);
transaction lines already stored are skipped. Importing the same file again changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Engine, insert, select

from loyalty import tables
from loyalty.bulk import insert_transactions
from loyalty.catalog_store import upsert_by_id
from loyalty.errors import InvalidInputError, LoyaltyError, RowProblem
from loyalty.files import read_table
from loyalty.formats import ROW_SCHEMAS
from loyalty.validation import validate_frame

KINDS = tuple(ROW_SCHEMAS)
NATURAL_KEY = ["member_id", "timestamp", "product_id", "basket_id"]


@dataclass(frozen=True)
class ImportResult:
    """What one import did."""

    kind: str
    source: str
    rows_read: int
    rows_written: int


def import_file(engine: Engine, kind: str, path: Path) -> ImportResult:
    """Validate and store one file of ``kind`` (members, products or transactions).

    A transactions file whose exact content was imported before is not read again: its lines
    are all stored already, so the result would be the same, only minutes slower.
    """
    if kind not in ROW_SCHEMAS:
        raise LoyaltyError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}")
    sha256 = _sha256(path) if Path(path).is_file() else ""
    earlier = _earlier_import(engine, kind, sha256) if kind == "transactions" else None
    if earlier is not None:
        return ImportResult(kind, str(path), earlier, 0)
    raw, first_line = read_table(path)
    rows = validate_frame(raw, ROW_SCHEMAS[kind](), str(path), first_line=first_line)
    return import_rows(engine, kind, rows, source=str(path), first_line=first_line, sha256=sha256)


def _earlier_import(engine: Engine, kind: str, sha256: str) -> int | None:
    """Rows read by an earlier import of the same content, or None when there was none."""
    log = tables.imports
    query = select(log.c.rows_read).where(log.c.kind == kind, log.c.sha256 == sha256).limit(1)
    with engine.connect() as connection:
        return connection.execute(query).scalar_one_or_none()


def import_rows(
    engine: Engine,
    kind: str,
    rows: pd.DataFrame,
    *,
    source: str,
    first_line: int = 2,
    sha256: str = "",
) -> ImportResult:
    """Store already validated rows of ``kind`` in one database transaction."""
    log = {
        "kind": kind,
        "source": source,
        "sha256": sha256,
        "rows_read": len(rows),
        "imported_at": datetime.now(),
    }
    if kind == "transactions":
        with engine.connect() as connection:
            lines = _transaction_lines(connection, rows, source, first_line)
        return ImportResult(kind, source, len(rows), insert_transactions(engine, lines, log))
    _refuse_repeated_ids(rows, f"{kind[:-1]}_id", source, first_line)
    with engine.begin() as connection:
        written = upsert_by_id(connection, getattr(tables, kind), rows)
        connection.execute(insert(tables.imports).values(**log, rows_written=written))
    return ImportResult(kind, source, len(rows), written)


def import_records(engine: Engine, kind: str, records: list[dict], schema) -> ImportResult:
    """Store members or products already loaded by their marshmallow ``schema``, all or nothing.

    Problems are reported by position in the list (``first_line`` 0), as the API numbers them.
    """
    rows = pd.DataFrame.from_records(records, columns=list(schema.fields)).astype(object)
    return import_rows(engine, kind, rows, source="json", first_line=0)


def _transaction_lines(connection, rows: pd.DataFrame, source: str, first_line: int):
    """Map ids to keys (unknown ids are errors) and merge repeated lines of one basket."""
    member_keys = _keys(connection, tables.members, "member_id", "member_key")
    product_keys = _keys(connection, tables.products, "product_id", "product_key")
    members = _positions(member_keys.index, rows["member_id"])
    products = _positions(product_keys.index, rows["product_id"])
    problems = _unknown(rows, members, "member_id", "member", first_line)
    problems += _unknown(rows, products, "product_id", "product", first_line)
    if problems:
        total = int((members < 0).sum() + (products < 0).sum())
        raise InvalidInputError(source, problems[:20], total=total)
    lines = rows.assign(
        member_key=member_keys.to_numpy()[members],
        product_key=product_keys.to_numpy()[products],
    )
    return merge_repeated_lines(lines.rename(columns={"timestamp": "purchased_at"}))


def merge_repeated_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """Sort lines in key order and merge repeats: the same product scanned twice in one basket
    at one moment is one line of quantity two.

    Key order also makes the database write each line next to the previous one.
    """
    baskets = pd.factorize(lines["basket_id"])[0]
    moments = lines["purchased_at"].to_numpy("datetime64[s]").view("int64")
    key = (baskets, lines["product_key"].to_numpy(), moments, lines["member_key"].to_numpy())
    order = np.lexsort(key)
    lines = lines.iloc[order].reset_index(drop=True)
    sorted_key = np.column_stack([part[order] for part in key])
    repeat = np.r_[False, (sorted_key[1:] == sorted_key[:-1]).all(axis=1)]
    if not repeat.any():
        return lines
    line_number = np.cumsum(~repeat) - 1
    sums = lines[["quantity", "amount"]].groupby(line_number).sum()
    first = lines.loc[~repeat].reset_index(drop=True)
    return first.assign(quantity=sums["quantity"].to_numpy(), amount=sums["amount"].to_numpy())


def _positions(index: pd.Index, ids: pd.Series) -> np.ndarray:
    """Position of each id in ``index`` (-1 when absent), hashing each distinct id once."""
    codes, distinct = pd.factorize(ids)
    return index.get_indexer(distinct)[codes]


def _keys(connection, table, id_column: str, key_column: str) -> pd.Series:
    stored = connection.execute(select(table.c[id_column], table.c[key_column])).all()
    ids = [row[0] for row in stored]
    return pd.Series([row[1] for row in stored], index=pd.Index(ids, dtype="str"), dtype="int64")


def _unknown(rows, positions: np.ndarray, column: str, what: str, first_line: int):
    bad = np.flatnonzero(positions < 0)[:20]
    return [
        RowProblem(
            int(row) + first_line,
            column,
            f"unknown {what} {rows[column].iloc[row]!r}; import {what}s first",
        )
        for row in bad
    ]


def _refuse_repeated_ids(rows: pd.DataFrame, id_column: str, source: str, first_line: int):
    repeated = np.flatnonzero(rows[id_column].duplicated().to_numpy())
    if len(repeated):
        problems = [
            RowProblem(
                int(row) + first_line,
                id_column,
                f"{rows[id_column].iloc[row]!r} appears more than once in the file",
            )
            for row in repeated[:20]
        ]
        raise InvalidInputError(source, problems, total=len(repeated))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
