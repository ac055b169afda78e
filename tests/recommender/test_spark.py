"""The Spark engine (``local[2]``) gives exactly the local engine's offers."""

from __future__ import annotations

import datetime

import pandas as pd
import pytest

from fixtures import generate
from loyalty.brand_fit.compile import compile_rules
from loyalty.brand_fit.validation import validate_rules
from loyalty.offers.benefits import validate_benefits
from loyalty.offers.campaigns import make_campaign
from recommender.batch import Staging, choose_in_blocks, member_blocks
from recommender.model import SelectionModel
from recommender.offers import OfferContext, count_members, finish_offers
from recommender.spark import choose_on_spark, spark_started

TODAY = datetime.date(2026, 6, 30)


@pytest.mark.filterwarnings("ignore::FutureWarning")  # pyspark on pandas 3
@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_spark_and_local_engines_give_identical_offers(tmp_path):
    data = generate(members=120, products=100, seed=4, until=TODAY, years=1.0)
    products = data.products
    model = SelectionModel(factors=8, iterations=3, random_state=1)
    model.fit(data.transactions, products)
    rules = validate_rules(
        [
            {"name": "No alcohol", "effect": "exclude", "applies_to": ["offers"],
             "products": {"tags": {"contains": "alcohol"}}},
            {"name": "Max 10", "effect": "max_discount", "percent": 10,
             "members": {"tier": "gold"}},
        ]
    )  # fmt: skip
    benefits = validate_benefits(
        [
            {"name": "Ten off", "type": "percent_off", "value": 10},
            {"name": "Points", "type": "points_multiplier", "value": 2, "max_per_member": 2},
            {"name": "Bonus", "type": "bonus_points", "value": 100, "kinds": ["discovery"]},
        ]
    )
    campaign = make_campaign(
        {"name": "spark", "budget": 120, "offers_per_member": 3, "valid_from": "2026-07-01",
         "valid_until": "2026-07-14", "holdout": 0.1, "margin_floor": 5}
    )  # fmt: skip
    context = OfferContext(
        campaign, benefits, products, data.members, compile_rules(rules, products, TODAY, 1),
        TODAY, "spark-r0001", "v0001",
    )  # fmt: skip
    ids = data.members["member_id"].astype(str).to_numpy()
    blocks = member_blocks(ids, 25)
    local = choose_in_blocks(model, context, blocks, Staging(tmp_path / "staging"))
    with spark_started("local[2]") as session:
        spark = choose_on_spark(model, context, blocks, session())
    pd.testing.assert_frame_equal(local, spark)
    members = count_members(ids, campaign)
    offers, _ = finish_offers(local, context, members)
    on_spark, _ = finish_offers(spark, context, members)
    assert len(offers) > 50
    pd.testing.assert_frame_equal(offers, on_spark)
