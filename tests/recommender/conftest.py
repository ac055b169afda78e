"""Tiny shop data with known answers for the engine's tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recommender.model import SelectionModel

START = pd.Timestamp("2024-01-01")


def checkerboard(weeks: int = 12, withheld: tuple[str, str] = ("m00", "p04")) -> pd.DataFrame:
    """Members m00-m09 buy products p00-p04 weekly, m10-m19 buy p05-p09; one pair withheld.

    Every other member of the first group buys the withheld product, so it must come first
    among the member's new products.
    """
    members = [f"m{i:02d}" for i in range(20)]
    products = [f"p{i:02d}" for i in range(10)]
    lines = []
    for week in range(weeks):
        for m, member in enumerate(members):
            group = products[:5] if m < 10 else products[5:]
            for p, product in enumerate(group):
                if (member, product) == withheld or (week + m + p) % 3 == 0:
                    continue
                day = START + pd.Timedelta(days=7 * week + m % 7, hours=10 + p)
                lines.append((member, product, day))
    frame = pd.DataFrame(lines, columns=["member_id", "product_id", "timestamp"])
    return frame.assign(quantity=1.0, amount=10.0, channel="store")


@pytest.fixture
def transactions() -> pd.DataFrame:
    return checkerboard()


@pytest.fixture
def products() -> pd.DataFrame:
    ids = [f"p{i:02d}" for i in range(10)]
    return pd.DataFrame(
        {
            "product_id": ids,
            "name": [f"Product {i}" for i in range(10)],
            "brand": "Acme",
            "category": ["Food > Dairy > Milk"] * 5 + ["Food > Bakery > Bread"] * 5,
            "channels": ["store;web"] * 9 + ["store"],
            "active": [True] * 8 + [False, True],
        }
    )


@pytest.fixture
def members() -> pd.DataFrame:
    ids = [f"m{i:02d}" for i in range(20)] + ["new"]
    return pd.DataFrame(
        {
            "member_id": ids,
            "tier": ["gold" if i % 2 else "basic" for i in range(21)],
            "consent_personalization": [i != 1 for i in range(21)],
        }
    )


@pytest.fixture
def model(transactions, products) -> SelectionModel:
    params = {"factors": 2, "iterations": 10, "random_state": 1, "regularization": 0.01}
    return SelectionModel(**params).fit(transactions, products)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)
