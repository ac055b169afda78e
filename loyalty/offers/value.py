"""What a benefit is worth in money, and whether a discount keeps a product's margin.

Face value is what an offer costs the retailer if it is redeemed once on one unit:

- ``percent_off``: the price times the percent;
- ``amount_off``: the amount;
- ``points_multiplier``: the extra points on the price (``POINTS_PER_UNIT`` points per unit
  of money, ``value - 1`` times more), each point worth ``POINT_VALUE``;
- ``bonus_points``: the points times ``POINT_VALUE``;
- ``free_delivery``: ``DELIVERY_FEE``;
- ``early_access``: nothing (a perk, not money).

Campaign budgets count face values.
"""

from __future__ import annotations

import numpy as np

POINT_VALUE = 0.01
POINTS_PER_UNIT = 1.0
DELIVERY_FEE = 4.9


def face_values(benefit_type: np.ndarray, value: np.ndarray, price: np.ndarray) -> np.ndarray:
    """Face value of each (benefit, product) pair, element-wise over equal-length arrays."""
    benefit_type = np.asarray(benefit_type)
    value = np.asarray(value, dtype=np.float64)
    price = np.asarray(price, dtype=np.float64)
    return np.select(
        [
            benefit_type == "percent_off",
            benefit_type == "amount_off",
            benefit_type == "points_multiplier",
            benefit_type == "bonus_points",
            benefit_type == "free_delivery",
        ],
        [
            price * value / 100,
            value,
            price * POINTS_PER_UNIT * (value - 1) * POINT_VALUE,
            value * POINT_VALUE,
            np.full(len(value), DELIVERY_FEE),
        ],
        0.0,
    ).round(2)


def discount_percent(benefit_type: np.ndarray, value: np.ndarray, price: np.ndarray) -> np.ndarray:
    """How much a benefit takes off the price, in percent (0 for points and perks)."""
    benefit_type = np.asarray(benefit_type)
    value = np.asarray(value, dtype=np.float64)
    price = np.asarray(price, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        amount = np.where(price > 0, 100 * value / price, np.inf)
    return np.select(
        [benefit_type == "percent_off", benefit_type == "amount_off"], [value, amount], 0.0
    )


def margin_after(margin_pct: np.ndarray, discount_pct: np.ndarray) -> np.ndarray:
    """The product's margin in percent of the discounted price (NaN when unknown).

    Cost is ``price * (1 - margin)``; after a discount ``d`` the margin is
    ``1 - (1 - margin) / (1 - d)``; a discount of 100 % or more leaves no margin (``-inf``).
    """
    margin = np.asarray(margin_pct, dtype=np.float64) / 100
    discount = np.asarray(discount_pct, dtype=np.float64) / 100
    with np.errstate(divide="ignore", invalid="ignore"):
        after = np.where(discount < 1, 100 * (1 - (1 - margin) / (1 - discount)), -np.inf)
    return np.where(np.isnan(margin), np.nan, after)
