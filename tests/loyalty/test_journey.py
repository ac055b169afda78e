"""Journey stages come from each member's own rhythm, and rules and offers read them."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest

from loyalty.brand_fit.compile import compile_rules
from loyalty.brand_fit.validation import validate_rules
from loyalty.config import Settings
from loyalty.errors import ConfigError
from loyalty.journey import DEFAULT_THRESHOLDS, JourneyThresholds, journey_stages, rhythm_days
from recommender.curation import member_stages
from recommender.model import SelectionModel
from recommender.selection import recommend
from tests.recommender.conftest import START, checkerboard

TODAY = date(2024, 3, 25)  # the day after the checkerboard's last week


def stage(first, last, trips, today, thresholds=DEFAULT_THRESHOLDS):
    return journey_stages([first], [last], [trips], today, thresholds)[0]


def test_a_weekly_shopper_away_three_weeks_is_lapsing_a_monthly_one_is_not():
    weekly = (0.0, 70.0, 11)  # eleven trips, a week apart
    monthly = (0.0, 300.0, 11)  # eleven trips, a month apart
    assert stage(*weekly, today=70 + 21) == "lapsing"
    assert stage(*monthly, today=300 + 21) == "active"
    assert rhythm_days([0.0, 0.0], [70.0, 300.0], [11, 11], DEFAULT_THRESHOLDS).tolist() == [
        7.0,
        30.0,
    ]


def test_a_member_is_lapsed_after_five_rhythms_away():
    assert stage(0.0, 70.0, 11, today=70 + 14) == "active"  # two weeks: not yet lapsing
    assert stage(0.0, 70.0, 11, today=70 + 35) == "lapsing"
    assert stage(0.0, 70.0, 11, today=70 + 36) == "lapsed"
    assert stage(0.0, 300.0, 11, today=300 + 151) == "lapsed"


def test_new_members_first_purchase_recent_or_none_yet():
    assert stage(80.0, 85.0, 3, today=100) == "new"
    assert stage(70.0, 70.0, 1, today=100) == "new"  # thirty days is still new
    assert stage(np.nan, np.nan, 0, today=100) == "new"
    assert stage(69.0, 69.0, 1, today=100) != "new"


def test_one_trip_only_is_measured_against_a_month():
    assert stage(0.0, 0.0, 1, today=60) == "active"
    assert stage(0.0, 0.0, 1, today=61) == "lapsing"
    assert stage(0.0, 0.0, 1, today=151) == "lapsed"


def test_rhythms_are_kept_between_the_shortest_and_longest():
    rhythm = rhythm_days([0.0, 0.0], [10.0, 2000.0], [11, 3], DEFAULT_THRESHOLDS)
    assert rhythm.tolist() == [3.0, 120.0]


def test_thresholds_come_from_the_environment():
    settings = Settings.from_env(
        {"LOYALTY_NEW_DAYS": "7", "LOYALTY_LAPSING_AFTER": "4", "LOYALTY_LAPSED_AFTER": "8.5"}
    )
    assert settings.journey == JourneyThresholds(new_days=7, lapsing_after=4, lapsed_after=8.5)
    assert Settings.from_env({}).journey == DEFAULT_THRESHOLDS
    # Four rhythms before lapsing: the weekly shopper away three weeks is still active.
    assert stage(0.0, 70.0, 11, today=91, thresholds=settings.journey) == "active"
    assert stage(90.0, 90.0, 1, today=100, thresholds=settings.journey) != "new"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"LOYALTY_NEW_DAYS": "a month"}, "LOYALTY_NEW_DAYS"),
        ({"LOYALTY_LAPSING_AFTER": "two"}, "LOYALTY_LAPSING_AFTER"),
        ({"LOYALTY_LAPSED_AFTER": "-1"}, "lapsed_after"),
        ({"LOYALTY_NEW_DAYS": "0"}, "new_days"),
        ({"LOYALTY_LAPSING_AFTER": "nan"}, "lapsing_after"),
        ({"LOYALTY_LAPSING_AFTER": "5", "LOYALTY_LAPSED_AFTER": "5"}, "more than lapsing_after"),
    ],
)
def test_bad_thresholds_are_a_config_error_naming_the_setting(environ, named):
    with pytest.raises(ConfigError, match=named):
        Settings.from_env(environ)


# A model where m07 stopped shopping after week 2 (ten weeks ago): lapsed.
def lapsed_model() -> SelectionModel:
    lines = checkerboard()
    week = (lines["timestamp"] - START).dt.days // 7
    lines = lines[(lines["member_id"] != "m07") | (week <= 2)]
    params = {"factors": 2, "iterations": 10, "random_state": 1, "regularization": 0.01}
    return SelectionModel(**params).fit(lines, None)


@pytest.fixture
def model() -> SelectionModel:
    return lapsed_model()


def test_the_model_knows_each_members_stage(model):
    stages = member_stages(model, ["m00", "m07", "nobody"], pd.Timestamp(TODAY))
    assert stages.tolist() == ["active", "lapsed", "new"]


def test_a_journey_stage_rule_changes_the_lapsed_members_selection_only(model):
    products = pd.DataFrame(
        {
            "product_id": [f"p{i:02d}" for i in range(10)],
            "name": "x",
            "brand": "Acme",
            "category": ["Food > Dairy > Milk"] * 5 + ["Food > Bakery > Bread"] * 5,
        }
    )
    members = pd.DataFrame({"member_id": ["m00", "m07"], "tier": "basic"})
    rule = {
        "name": "Lapsed: no dairy",
        "effect": "exclude",
        "members": {"journey_stage": "lapsed"},
        "products": {"category": {"prefix": "Food > Dairy"}},
    }

    def select(rules):
        compiled = compile_rules(validate_rules(rules), products, TODAY)
        options = {"n": 5, "products": products, "members": members, "rules": compiled}
        return recommend(model, ["m00", "m07"], as_of=pd.Timestamp(TODAY), **options)

    before, after = select([]), select([rule])
    lists = {
        name: frame.groupby("member_id")["product_id"].agg(list)
        for name, frame in {"before": before, "after": after}.items()
    }
    assert lists["before"]["m00"] == lists["after"]["m00"]
    assert lists["before"]["m07"] != lists["after"]["m07"]
    assert not set(lists["after"]["m07"]) & {f"p0{i}" for i in range(5)}
    assert set(lists["before"]["m07"]) & {f"p0{i}" for i in range(5)}


def test_a_new_purchase_brings_a_lapsed_member_back_to_active(model):
    habits, row = model.habits_, model.dataset_.member_rows(["m07"])[0]
    first, trips = habits.member_first_day[row], habits.member_trips[row]
    as_of = pd.Timestamp(TODAY)
    assert member_stages(model, ["m07"], as_of)[0] == "lapsed"
    purchase = pd.DataFrame(
        {
            "product_id": ["p01", "p02"],
            "timestamp": [as_of - pd.Timedelta(hours=12)] * 2,
            "quantity": 1.0,
            "amount": 10.0,
            "channel": "store",
        }
    )
    model.update_member("m07", purchase)
    assert member_stages(model, ["m07"], as_of)[0] == "active"
    assert model.habits_.member_trips[row] == trips + 1  # one day, one trip
    assert model.habits_.member_first_day[row] == first


def test_a_member_the_model_never_saw_is_new_after_a_first_purchase(model):
    as_of = pd.Timestamp(TODAY)
    purchase = pd.DataFrame(
        {
            "product_id": ["p03"],
            "timestamp": [as_of - pd.Timedelta(days=2)],
            "quantity": 1.0,
            "amount": 10.0,
            "channel": "store",
        }
    )
    model.update_member("newcomer", purchase)
    assert member_stages(model, ["newcomer"], as_of)[0] == "new"
    row = model.dataset_.member_rows(["newcomer"])[0]
    assert model.habits_.member_trips[row] == 1
