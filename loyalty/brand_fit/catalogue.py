"""The catalogue's columns as rules see them, computed once per rule-set version and day."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from loyalty.brand_fit.conditions import normalise_path, padded_list
from loyalty.brand_fit.fields import ANY, ATTRIBUTE_PREFIX, PRODUCT_FIELDS, field_kind
from loyalty.formats import CHANNELS


class ProductColumns:
    """Rule-ready columns of a products frame, in the catalogue's order.

    The frame has the columns of ``loyalty.tables.products``: ``tags`` and ``channels`` as
    ``;``-separated text and ``attributes`` as a dict per product (``attr_*`` columns are read
    directly when present).
    """

    def __init__(self, products: pd.DataFrame, today: date):
        products = products.reset_index(drop=True)
        self.size = len(products)
        self.product_ids = products["product_id"].astype("str").to_numpy()
        if "launched_at" in products.columns:
            launched = pd.to_datetime(products["launched_at"], errors="coerce")
            age = (pd.Timestamp(today) - launched).dt.days.astype(float)
        else:
            age = pd.Series(np.nan, index=products.index)
        self.columns: dict[str, pd.Series] = {
            "product_id": products["product_id"].astype("str"),
            "brand": products["brand"].astype("str"),
            "category": normalise_path(products["category"].astype("str")),
            "price": _numbers(products, "price"),
            "margin_pct": _numbers(products, "margin_pct"),
            "tags": padded_list(_text(products, "tags", "")),
            "channels": padded_list(_text(products, "channels", ";".join(CHANNELS))),
            "age_days": age,
        }
        self._frame = products
        self._attributes: pd.DataFrame | None = None
        self._sold: dict[str, np.ndarray] = {}
        active = products.get("active")
        self.active = (
            np.ones(self.size, bool) if active is None else active.fillna(False).to_numpy(bool)
        )

    def in_order(self, product_ids: np.ndarray, today: date) -> ProductColumns:
        """The catalogue laid out as ``product_ids``; a product it lacks is inactive and sold
        nowhere (so no rule can let it appear)."""
        ids = np.asarray(product_ids).astype(str)
        frame = self._frame.drop_duplicates("product_id")
        frame = frame.set_index(frame["product_id"].astype("str")).reindex(ids)
        lacking = frame["product_id"].isna().to_numpy()
        frame["product_id"] = ids
        frame["active"] = frame.get("active", True)
        frame.loc[lacking, "active"] = False
        frame["channels"] = frame.get("channels", ";".join(CHANNELS))
        frame.loc[lacking, "channels"] = ""
        laid_out = ProductColumns(frame.reset_index(drop=True), today)
        laid_out.product_ids = product_ids  # the very array: callers can tell by identity
        return laid_out

    def column(self, name: str) -> pd.Series:
        """The column of field ``name`` (an ``attr_*`` one reads the product's attributes)."""
        if name in self.columns:
            return self.columns[name]
        if name in self._frame.columns:
            return self._frame[name].reset_index(drop=True)
        key = name.removeprefix(ATTRIBUTE_PREFIX)
        attributes = self._attribute_frame()
        if key in attributes.columns:
            return attributes[key]
        return pd.Series([None] * self.size, dtype=object)

    def kind(self, name: str) -> str:
        """The kind of field ``name``."""
        return field_kind(name, PRODUCT_FIELDS) or ANY

    def sold_in(self, channel: str) -> np.ndarray:
        """Active products the channel sells (read-only: kept for the next block)."""
        if channel not in self._sold:
            listed = self.columns["channels"].str.contains(f";{channel};", regex=False)
            self._sold[channel] = self.active & listed.to_numpy(dtype=bool)
            self._sold[channel].flags.writeable = False
        return self._sold[channel]

    def _attribute_frame(self) -> pd.DataFrame:
        # Built once, from the list of dicts in one pandas call rather than a loop per product.
        if self._attributes is None:
            values = self._frame.get("attributes")
            records = [] if values is None else [v if isinstance(v, dict) else {} for v in values]
            self._attributes = pd.DataFrame.from_records(records, index=range(self.size))
        return self._attributes


def _numbers(products: pd.DataFrame, name: str) -> pd.Series:
    if name not in products.columns:
        return pd.Series(np.nan, index=products.index)
    return pd.to_numeric(products[name], errors="coerce").astype(float)


def _text(products: pd.DataFrame, name: str, default: str) -> pd.Series:
    if name not in products.columns:
        return pd.Series(default, index=products.index, dtype="str")
    return products[name].fillna(default).astype("str")
