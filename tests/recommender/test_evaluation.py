from recommender.evaluation import Holdout, evaluate, format_report

from .conftest import checkerboard


def test_holdout_truth_and_members_on_both_sides():
    data = checkerboard(weeks=12)
    holdout = Holdout.at(data, "2024-03-04")
    assert len(holdout.rows["next"]) == 20
    # Everyone keeps to their own side of the board: nothing is new after the cutoff.
    assert len(holdout.rows["discovery"]) == 0


def test_evaluate_reports_every_recommender_and_view(products):
    data = checkerboard(weeks=16)
    report = evaluate(data, products, cutoff="2024-03-25", k=3, model_params={"factors": 4})
    assert set(report["results"]) == {"next", "discovery"}
    assert set(report["results"]["next"]) == {"engine", "most_popular", "buy_again", "item_to_item"}
    assert report["results"]["next"]["engine"]["members"] == 20
    assert "engine" in format_report(report)


def test_the_engine_is_scored_by_product_id_whatever_its_column_order(products):
    # The model orders products by category: here every other product, unlike the ids.
    alternating = products.assign(category=["Food > Dairy > Milk", "Food > Bakery > Bread"] * 5)
    data = checkerboard(weeks=16)
    report = evaluate(data, alternating, cutoff="2024-03-25", k=3, model_params={"factors": 4})
    nxt = report["results"]["next"]
    assert nxt["engine"]["ndcg"] >= 0.9 * nxt["buy_again"]["ndcg"] > 0
