import numpy as np
import pandas as pd

from recommender.features import category_affinity, member_trips
from recommender.selection import recommend


def purchases(member, product, times=6):
    times = len(product) if isinstance(product, list) else times
    days = pd.date_range("2024-03-20", periods=times, freq="D")
    return pd.DataFrame(
        {"member_id": member, "product_id": product, "timestamp": days, "quantity": 1.0}
    )


def test_a_new_purchase_changes_the_next_selection_without_retraining(model):
    before = recommend(model, ["m00"], n=10, only_new=True).set_index("product_id")
    model.update_member("m00", purchases("m00", ["p05", "p06"] * 3))
    after = recommend(model, ["m00"], n=10, only_new=True).set_index("product_id")
    assert {"p05", "p06"}.isdisjoint(after.index)  # bought now, so no longer new
    # Their neighbours on the member's new side of the checkerboard move up.
    assert (after.loc[["p07", "p08"], "score"] > before.loc[["p07", "p08"], "score"]).all()


def test_a_new_purchase_becomes_a_favourite(model):
    model.update_member("m00", purchases("m00", "p04"))
    selection = recommend(model, ["m00"], n=5)
    row = selection[selection["product_id"] == "p04"]
    assert row["kind"].iloc[0] == "favourite"


def test_a_member_first_seen_after_training_gets_personal_selection(model):
    assert not recommend(model, ["m99"], n=3)["personalized"].any()
    model.update_member("m99", purchases("m99", ["p05", "p06"] * 2))
    selection = recommend(model, ["m99"], n=3)
    assert selection["personalized"].all()


def test_folding_in_one_member_matches_recomputing_everyone(model):
    model.update_member("m00", purchases("m00", ["p05", "p06"] * 3))
    model.update_member("m99", purchases("m99", ["p01"] * 2))  # first seen now
    weights = model.discovery_weights_
    full = category_affinity(model.habits_, model.category_, model.family_, weights[2:4])
    assert abs(full - model._affinity).max() == 0
    np.testing.assert_allclose(member_trips(model.habits_), model._volumes)
    rows = model.dataset_.member_rows(["m00", "m99"])
    assert model.habits_.member_trips[rows[1]] == 2  # two new shopping days
    assert model.habits_.member_last_day[rows[0]] == model.now_day(pd.Timestamp("2024-03-25"))
