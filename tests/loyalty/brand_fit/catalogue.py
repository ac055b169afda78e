"""A small catalogue frame with a known content, shaped like ``loyalty.tables.products``."""

from __future__ import annotations

from datetime import date

import pandas as pd

TODAY = date(2026, 11, 23)

PRODUCTS = pd.DataFrame(
    {
        "product_id": ["P0", "P1", "P2", "P3", "P4", "P5"],
        "name": ["Oat Milk", "Pale Ale", "Rye Bread", "Snus", "Coffee", "Cider"],
        "brand": ["Havre", "Bryggeriet", "Hemma", "Nordic", "Hemma", "Bryggeriet"],
        "category": [
            "Food > Dairy > Milk",
            "Drinks > Alcohol > Beer",
            "Food > Bakery",
            "Tobacco > Snus",
            "Drinks > Coffee",
            "Drinks>Alcoholfree",
        ],
        "price": [19.9, 24.5, 29.0, 55.0, 49.0, 15.0],
        "margin_pct": [22.0, 30.0, 35.0, None, 28.0, 25.0],
        "tags": [
            "organic;vegan",
            "alcohol",
            "private_label",
            "tobacco",
            "organic;private_label",
            "",
        ],
        "channels": ["store;web", "store", "store;web", "store", "web", "store;web"],
        "launched_at": [date(2026, 11, 1), date(2023, 3, 1), None, date(2020, 1, 1), None, None],
        "active": [True, True, True, True, True, False],
        "attributes": [{"origin": "SE"}, {}, {"origin": "SE"}, {}, {"origin": "BR"}, {}],
    }
)
