"""The Complete Journey converts into valid members, products and transactions, and imports."""

from __future__ import annotations

import pytest

from loyalty.datasets import completejourney
from loyalty.formats import ROW_SCHEMAS
from loyalty.status import data_status
from loyalty.validation import validate_frame


@pytest.fixture(scope="module")
def converted():
    return completejourney.convert()


def test_every_converted_row_is_valid(converted):
    for kind, frame in converted.items():
        validate_frame(frame, ROW_SCHEMAS[kind](), kind, first_line=1)
    members, products, lines = (converted[k] for k in ("members", "products", "transactions"))
    assert len(members) == 2469
    assert set(lines["member_id"]) <= set(members["member_id"])
    assert set(lines["product_id"]) <= set(products["product_id"])
    assert (lines["quantity"] > 0).all()
    assert set(members["tier"]) == {"basic", "silver", "gold"}


def test_products_carry_path_brand_family_and_private_label(converted):
    products = converted["products"].set_index("product_id")
    assert products["category"].str.count(" > ").max() == 2
    private = products["attr_brand_family"] == "Private"
    assert (products.loc[private, "tags"] == "private_label").all()
    assert products.loc[private, "brand"].str.startswith("Private ").all()


def test_a_slice_imports_on_both_databases(converted, engine):
    households = converted["members"]["member_id"].head(15)
    lines = converted["transactions"]
    lines = lines[lines["member_id"].isin(households)]
    products = converted["products"]
    piece = {
        "members": converted["members"].head(15),
        "products": products[products["product_id"].isin(lines["product_id"])],
        "transactions": lines,
    }
    results = {r.kind: r.rows_written for r in completejourney.store(engine, piece)}
    status = data_status(engine)
    assert results["members"] == status["members"] == 15
    assert results["transactions"] == status["transactions"] == len(lines)
