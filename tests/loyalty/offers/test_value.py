"""Face values, discount percents and margins on worked numbers."""

from __future__ import annotations

import numpy as np

from loyalty.offers.value import (
    DELIVERY_FEE,
    POINT_VALUE,
    discount_percent,
    face_values,
    margin_after,
)

TYPES = ["percent_off", "amount_off", "points_multiplier", "bonus_points", "free_delivery"]


def test_face_values_of_every_benefit_type():
    found = face_values(
        [*TYPES, "early_access"],
        [10.0, 3.0, 2.0, 200.0, 0.0, 0.0],
        [12.0, 12.0, 30.0, 12.0, 12.0, 12.0],
    )
    # 10 % of 12; 3 off; a double of 30 points at a cent; 200 points at a cent; the fee; none.
    assert found.tolist() == [1.2, 3.0, 0.3, 2.0, DELIVERY_FEE, 0.0]
    assert POINT_VALUE == 0.01


def test_face_values_are_rounded_to_cents():
    assert face_values(["percent_off"], [33.3], [19.99]).tolist() == [6.66]  # 6.65667
    assert face_values(["points_multiplier"], [1.5], [3.3]).tolist() == [0.02]  # 0.0165


def test_discount_percent_of_money_off_depends_on_the_price():
    found = discount_percent(TYPES, [10.0, 3.0, 2.0, 200.0, 0.0], [12.0] * 5)
    assert found.tolist() == [10.0, 25.0, 0.0, 0.0, 0.0]
    # More money off than the price, or a price of 0: at least everything.
    assert discount_percent(["amount_off"] * 2, [5.0, 1.0], [4.0, 0.0]).tolist() == [125.0, np.inf]


def test_margin_after_a_discount():
    # 40 % margin: the cost is 60; 10 % off sells at 90, leaving 30 of 90.
    margin = margin_after([40.0, 20.0, 40.0, 40.0, 25.0], [10.0, 20.0, 0.0, 100.0, 50.0])
    assert np.allclose(margin[:3], [100 / 3, 0.0, 40.0])
    assert margin[3] == -np.inf  # nothing left to sell at
    assert margin[4] == -50.0  # cost 75, sold at 50: a loss of half the price
    assert np.isnan(margin_after([np.nan], [10.0])).all()  # unknown margin stays unknown
