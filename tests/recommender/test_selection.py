import numpy as np

import recommender.selection
from recommender.selection import COLUMNS, recommend


def test_columns_and_ranks(model):
    selection = recommend(model, ["m02"], n=3)
    assert list(selection.columns) == COLUMNS
    assert selection["rank"].tolist() == [1, 2, 3]
    assert selection["score"].is_monotonic_decreasing


def test_favourite_reason_says_how_often_and_how_recently(model):
    selection = recommend(model, ["m02"], n=2)
    favourite = selection[selection["kind"] == "favourite"].iloc[0]
    assert "You bought this" in favourite["reason"] and "ago" in favourite["reason"]


def test_discovery_reason_names_the_members_own_products(model, products):
    selection = recommend(model, ["m00"], n=1, only_new=True, products=products)
    assert selection["reason"].iloc[0].startswith("Because you buy Product")


def test_only_new_leaves_out_everything_bought(model, transactions):
    selection = recommend(model, ["m03"], n=10, only_new=True)
    bought = set(transactions.loc[transactions["member_id"] == "m03", "product_id"])
    assert not bought & set(selection["product_id"])


def test_channel_and_inactive_products_are_never_returned(model, products):
    everyone = recommend(model, None, n=10, channel="web", products=products)
    assert "p09" not in set(everyone["product_id"])  # store only
    assert "p08" not in set(everyone["product_id"])  # inactive


def test_members_without_history_or_consent_get_popular_in_segment(
    model, products, members, monkeypatch
):
    monkeypatch.setattr(recommender.selection, "MIN_SEGMENT_MEMBERS", 5)  # 10 gold members here
    selection = recommend(model, ["new", "m01", "m02"], n=3, products=products, members=members)
    by_member = selection.groupby("member_id")
    assert not by_member["personalized"].all()["new"]
    assert not by_member["personalized"].all()["m01"]
    assert by_member["personalized"].all()["m02"]
    assert "no consent" in selection.loc[selection["member_id"] == "m01", "reason"].iloc[0]
    assert "gold members" in selection.loc[selection["member_id"] == "m01", "reason"].iloc[0]


def test_a_segment_too_small_never_shows_a_member_their_own_purchases(model, products, members):
    # m01 refused personalisation but has a history; with only m01 known, "m01's segment" would
    # be m01 alone, and its popular products m01's own favourites.
    alone = members[members["member_id"] == "m01"]
    selection = recommend(model, ["m01"], n=5, products=products, members=alone)
    everyone = recommend(model, ["m01"], n=5, products=products, members=alone.assign(tier="x"))
    assert selection["reason"].str.startswith("Popular with members (").all()
    assert list(selection["product_id"]) == list(everyone["product_id"])
    assert set(selection["product_id"]) & {"p05", "p06", "p07"}  # the other group's products


def test_brand_fit_mask_and_offset_are_obeyed(model):
    products = list(model.dataset_.product_ids)
    mask = np.ones(len(products), dtype=bool)
    mask[products.index("p00")] = False
    offset = np.zeros(len(products), dtype=np.float32)
    offset[products.index("p03")] = 100.0
    selection = recommend(model, ["m02"], n=5, item_mask=mask, score_offset=offset)
    assert "p00" not in set(selection["product_id"])
    assert selection["product_id"].iloc[0] == "p03"


def test_results_keep_the_order_of_the_request(model):
    selection = recommend(model, ["m12", "m02"], n=1)
    assert selection["member_id"].tolist() == ["m12", "m02"]


def test_selections_made_in_slices_of_a_few_members_are_the_same(model, products, members):
    asked = ["new", "newer", "m01", "m02", "m03", "m11"] + [f"x{i}" for i in range(20)]
    whole = recommend(model, asked, n=12, only_new=True, products=products, members=members)
    # Slices of 8 members (the least): the members without history come in three.
    original = recommender.selection.SCORED_VALUES
    try:
        recommender.selection.SCORED_VALUES = 1
        sliced = recommend(model, asked, n=12, only_new=True, products=products, members=members)
    finally:
        recommender.selection.SCORED_VALUES = original
    assert sliced.equals(whole)
    assert (~whole["personalized"]).sum() > 8 * 9  # more than one slice of 8 without history
    assert whole["rank"].max() <= 10  # 12 asked of a catalogue of 10: as long as it goes
