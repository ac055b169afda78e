"""Importing files on SQLite and PostgreSQL: all or nothing, idempotent, set-based."""

from __future__ import annotations

import pandas as pd
import pytest
from sqlalchemy import func, select

from loyalty import tables
from loyalty.errors import InvalidInputError, NotFoundError
from loyalty.ingest import import_file
from loyalty.status import data_status
from tests.sample_files import TRANSACTIONS, write, write_catalog


def count(engine, table) -> int:
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


@pytest.fixture
def files(tmp_path):
    return write_catalog(tmp_path)


@pytest.fixture
def loaded(engine, files):
    for kind in ("members", "products", "transactions"):
        import_file(engine, kind, files[kind])
    return engine


def test_import_stores_every_row(loaded):
    assert data_status(loaded) | {"last_import": None} == {
        "members": 3,
        "products": 3,
        "transactions": 4,
        "first_purchase": "2025-03-01T10:00:00",
        "last_purchase": "2025-03-08T10:05:00",
        "last_import": None,
    }


def test_stored_values_keep_types_lists_and_attributes(loaded):
    with loaded.connect() as connection:
        member = connection.execute(
            select(tables.members).where(tables.members.c.member_id == "M1")
        ).one()
        product = connection.execute(
            select(tables.products).where(tables.products.c.product_id == "P1")
        ).one()
        absent = connection.execute(
            select(tables.members).where(tables.members.c.member_id == "M2")
        ).one()
    assert member.birth_year == 1980 and member.consent_personalization is True
    assert member.attributes == {"pets": "dog"}
    assert absent.birth_year is None and absent.consent_personalization is False
    assert product.tags == "organic;vegan" and product.channels == "store;web"
    assert product.price == pytest.approx(19.9)


def test_second_import_of_same_files_changes_nothing(loaded, files):
    for kind in ("members", "products", "transactions"):
        result = import_file(loaded, kind, files[kind])
        assert result.rows_written == 0, kind
    assert count(loaded, tables.transactions) == 4


def test_transactions_in_bulk_are_stored_once_as_in_process(engine, files, monkeypatch):
    monkeypatch.setattr("loyalty.bulk.IN_PROCESS_LINES", 0)  # SQLite: ADBC in a child
    for kind in ("members", "products", "transactions"):
        import_file(engine, kind, files[kind])
    assert import_file(engine, "transactions", files["transactions"]).rows_written == 0
    assert data_status(engine)["transactions"] == 4
    assert data_status(engine)["last_purchase"] == "2025-03-08T10:05:00"


def test_changed_member_is_updated_not_duplicated(loaded, tmp_path):
    changed = write(
        tmp_path,
        "members2.csv",
        "member_id,joined_at,tier\nM1,2023-01-05,silver\nM4,2025-05-05,basic\n",
    )
    result = import_file(loaded, "members", changed)
    assert result.rows_written == 2
    with loaded.connect() as connection:
        tiers = dict(
            connection.execute(select(tables.members.c.member_id, tables.members.c.tier)).all()
        )
    assert tiers == {"M1": "silver", "M2": "basic", "M3": "silver", "M4": "basic"}


def test_bad_line_writes_nothing_of_the_file(loaded, tmp_path):
    bad = write(
        tmp_path,
        "more.csv",
        "member_id,product_id,timestamp,quantity,amount\n"
        "M2,P1,2025-04-01T09:00:00,1,19.9\n"
        "M2,P3,2025-04-01T09:00:00,-1,29\n",
    )
    with pytest.raises(InvalidInputError) as error:
        import_file(loaded, "transactions", bad)
    assert "more.csv:3: quantity: expected a number greater than 0, got '-1'" in str(error.value)
    assert count(loaded, tables.transactions) == 4


def test_unknown_member_or_product_is_an_error_naming_it(loaded, tmp_path):
    bad = write(
        tmp_path,
        "unknown.csv",
        "member_id,product_id,timestamp,quantity,amount\n"
        "M1,P1,2025-04-01T09:00:00,1,19.9\n"
        "M9,P1,2025-04-01T09:00:00,1,19.9\n"
        "M1,P9,2025-04-01T09:00:00,1,19.9\n",
    )
    with pytest.raises(InvalidInputError) as error:
        import_file(loaded, "transactions", bad)
    message = str(error.value)
    assert "unknown.csv:3: member_id: unknown member 'M9'" in message
    assert "unknown.csv:4: product_id: unknown product 'P9'" in message
    assert count(loaded, tables.transactions) == 4


def test_repeated_lines_of_one_basket_are_merged(loaded, tmp_path):
    repeated = write(
        tmp_path,
        "repeat.csv",
        "member_id,product_id,timestamp,quantity,amount,basket_id\n"
        "M2,P1,2025-04-01T09:00:00,1,19.9,B9\n"
        "M2,P1,2025-04-01T09:00:00,2,39.8,B9\n",
    )
    assert import_file(loaded, "transactions", repeated).rows_written == 1
    with loaded.connect() as connection:
        line = connection.execute(
            select(tables.transactions).where(tables.transactions.c.basket_id == "B9")
        ).one()
    assert line.quantity == 3 and line.amount == pytest.approx(59.7)


def test_parquet_files_import_like_csv(engine, files, tmp_path):
    for kind in ("members", "products", "transactions"):
        frame = pd.read_csv(files[kind])
        path = tmp_path / f"{kind}.parquet"
        frame.to_parquet(path)
        import_file(engine, kind, path)
    assert count(engine, tables.transactions) == 4
    with engine.connect() as connection:
        year = connection.execute(
            select(tables.members.c.birth_year).where(tables.members.c.member_id == "M1")
        ).scalar_one()
    assert year == 1980


def test_repeated_member_id_in_one_file_is_refused(engine, tmp_path):
    twice = write(
        tmp_path, "twice.csv", "member_id,joined_at,tier\nM1,2024-01-01,gold\nM1,2024-01-01,basic\n"
    )
    with pytest.raises(InvalidInputError, match=r"twice.csv:3: member_id: 'M1' appears more"):
        import_file(engine, "members", twice)
    assert count(engine, tables.members) == 0


def test_missing_file_and_wrong_format_are_clear(engine, tmp_path):
    with pytest.raises(NotFoundError, match="no such file"):
        import_file(engine, "members", tmp_path / "absent.csv")
    wrong = write(tmp_path, "members.xlsx", "x")
    with pytest.raises(InvalidInputError, match=r"expected a \.csv, \.parquet, \.pq file"):
        import_file(engine, "members", wrong)


def test_overlapping_extract_writes_only_its_new_lines(loaded, tmp_path):
    overlapping = write(
        tmp_path,
        "overlap.csv",
        TRANSACTIONS + "M2,P3,2025-03-09T12:00:00,1,29,store,S02,B4\n",
    )
    assert import_file(loaded, "transactions", overlapping).rows_written == 1
    assert count(loaded, tables.transactions) == 5
