"""The vectorised checks accept and refuse exactly what the marshmallow row schemas do."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from loyalty.errors import InvalidInputError
from loyalty.formats import MemberRow, ProductRow, TransactionRow
from loyalty.validation import validate_frame

GOOD_TRANSACTION = {
    "member_id": "M1",
    "product_id": "P1",
    "timestamp": "2025-03-01T10:00:00",
    "quantity": "2",
    "amount": "39.80",
    "channel": "web",
    "store_id": "",
    "basket_id": "B1",
}

CELL_VALUES = {
    "timestamp": [
        "2025-03-01T10:00:00",
        "2025-03-01 10:00",
        "2025-03-01",
        "2025-02-30T10:00:00",
        "2025-03-01T10:00:00+01:00",
        "2025-03-01T10:00:00Z",
        "yesterday",
        "",
    ],
    "quantity": ["1", "2.5", "0", "-3", "1e2", "nan", "inf", "two", ""],
    "amount": ["0", "-4.5", "19.90", "abc", ""],
    "channel": ["store", "web", "mail", "STORE", ""],
    "member_id": ["M1", "", "x" * 64, "x" * 65, "M\x001"],
}


def marshmallow_accepts(schema, row: dict) -> bool:
    present = {k: v for k, v in row.items() if v != ""}
    try:
        schema.load(present)
    except ValidationError:
        return False
    return True


def vectorised_accepts(schema, row: dict) -> bool:
    try:
        validate_frame(pd.DataFrame([row], dtype="str"), schema, "t.csv")
    except InvalidInputError:
        return False
    return True


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries({k: st.sampled_from(v) for k, v in CELL_VALUES.items()}))
def test_transaction_checks_agree_with_the_schema(cells):
    row = GOOD_TRANSACTION | cells
    schema = TransactionRow()
    assert vectorised_accepts(schema, row) == marshmallow_accepts(schema, row), row


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("birth_year", "1980.5", "expected a whole number"),
        ("birth_year", "1850", "expected a number at least 1900"),
        ("joined_at", "2024-13-01", "expected a date YYYY-MM-DD"),
        ("consent_personalization", "maybe", "expected true or false"),
        ("tier", "", "a value is required"),
    ],
)
def test_member_problems_name_line_column_and_value(column, value, expected):
    row = {"member_id": "M1", "joined_at": "2024-01-01", "tier": "gold", column: value}
    frame = pd.DataFrame([row, row | {"member_id": "M2", column: value}], dtype="str")
    with pytest.raises(InvalidInputError) as error:
        validate_frame(frame, MemberRow(), "members.csv")
    assert error.value.total == 2
    assert f"members.csv:3: {column}: {expected}" in str(error.value)
    assert not marshmallow_accepts(MemberRow(), row)


def test_missing_required_column_lists_what_the_file_has():
    frame = pd.DataFrame([{"product_id": "P1", "name": "Milk"}], dtype="str")
    with pytest.raises(InvalidInputError) as error:
        validate_frame(frame, ProductRow(), "products.csv")
    assert "products.csv:1: brand: required column is missing (the file has: product_id, name)" in (
        str(error.value)
    )


def test_unknown_channel_is_named():
    row = {
        "product_id": "P1",
        "name": "M",
        "brand": "B",
        "category": "C",
        "price": "1",
        "channels": "store;mail",
    }
    with pytest.raises(InvalidInputError, match="channels: expected a ;-separated list of store"):
        validate_frame(pd.DataFrame([row], dtype="str"), ProductRow(), "products.csv")


def test_defaults_fill_optional_columns():
    frame = pd.DataFrame([GOOD_TRANSACTION | {"channel": ""}], dtype="str").drop(
        columns=["basket_id"]
    )
    rows = validate_frame(frame, TransactionRow(), "t.csv")
    assert rows.loc[0, "channel"] == "store"
    assert rows.loc[0, "basket_id"] == ""
    assert rows.loc[0, "timestamp"] == pd.Timestamp("2025-03-01T10:00:00")


def test_many_problems_are_counted_and_a_few_shown():
    frame = pd.DataFrame([GOOD_TRANSACTION | {"quantity": "x"}] * 50, dtype="str")
    with pytest.raises(InvalidInputError) as error:
        validate_frame(frame, TransactionRow(), "t.csv")
    assert error.value.total == 50
    assert len(error.value.problems) == 20
    assert "... and 30 more" in str(error.value)
