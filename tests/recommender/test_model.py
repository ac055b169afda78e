import datetime

import numpy as np
import pytest

from fixtures import generate
from recommender.errors import EmptyHistoryError, TrainingFailedError
from recommender.model import SelectionModel
from recommender.selection import recommend


def test_withheld_product_of_the_checkerboard_comes_first(model, products):
    selection = recommend(model, ["m00"], n=3, only_new=True)
    assert selection["product_id"].iloc[0] == "p04"
    assert (selection["kind"] == "discovery").all()


def test_members_get_their_own_side_of_the_checkerboard(model):
    selection = recommend(model, ["m00", "m15"], n=4)
    mine = selection.groupby("member_id")["product_id"].apply(set)
    assert mine["m00"] <= {"p00", "p01", "p02", "p03", "p04"}
    assert mine["m15"] <= {"p05", "p06", "p07", "p08", "p09"}


def test_fit_returns_self_and_learns_weights(transactions, products):
    model = SelectionModel(factors=4, iterations=5, random_state=0)
    assert model.fit(transactions, products) is model
    assert set(model.weights()) == {"habit", "discovery"}
    assert np.isfinite(model.user_factors_).all()


def test_empty_history_is_refused(transactions):
    with pytest.raises(EmptyHistoryError):
        SelectionModel().fit(transactions.iloc[:0])


def test_nan_fit_is_refused(transactions):
    with pytest.raises(TrainingFailedError, match="NaN"):
        SelectionModel(factors=4, iterations=2, regularization=np.nan, random_state=0).fit(
            transactions
        )


def test_short_window_falls_back_to_default_weights(transactions):
    recent = transactions[
        transactions["timestamp"] < transactions["timestamp"].min() + np.timedelta64(10, "D")
    ]
    model = SelectionModel(factors=4, iterations=5, random_state=0).fit(recent)
    assert recommend(model, ["m00"], n=3)["personalized"].all()


def test_few_iterations_still_fit_tastes_before_the_blend_learns_from_them():
    # Fewer iterations than refit_iterations (5) once left none before the validation weeks:
    # the blend learnt from ALS's random start and weighed taste in the thousands.
    data = generate(members=80, products=120, seed=11, until=datetime.date(2026, 6, 30))
    model = SelectionModel(factors=8, iterations=3, random_state=1)
    assert model._iterations() == (1, 2)
    model.fit(data.transactions, data.products)
    assert abs(model.discovery_weights_[0]) < 20


def test_a_shelf_scores_its_products_as_the_whole_catalogue_does(transactions, products):
    model = SelectionModel(factors=4, iterations=3, random_state=1).fit(transactions, products)
    shown = np.arange(model.dataset_.shape[1]) % 3 != 1
    shelf = model.shelf(shown)
    rows = np.arange(model.dataset_.shape[0])
    everything = model.discovery_scores(rows)
    np.testing.assert_array_equal(shelf.columns, np.flatnonzero(shown))
    np.testing.assert_array_equal(model.discovery_scores(rows, shelf), everything[:, shown])
    assert (shelf.places[shelf.columns] == np.arange(shown.sum())).all()
    assert (shelf.places[~shown] == -1).all()
    assert (shelf.model_columns(np.array([[1, -1]])) == [[shelf.columns[1], -1]]).all()


def test_shelves_are_kept_per_set_of_products_until_the_next_fit(transactions, products):
    model = SelectionModel(factors=4, iterations=3, random_state=1).fit(transactions, products)
    shown = np.arange(model.dataset_.shape[1]) % 2 == 0
    shelf = model.shelf(shown)
    assert model.shelf(shown.copy()) is shelf  # the same products: kept
    assert model.shelf(~shown) is not shelf
    model.fit(transactions.iloc[: len(transactions) // 2], products)  # new factors
    refit = model.shelf(shown)
    assert refit is not shelf
    np.testing.assert_array_equal(refit.items, model.scoring_items()[:, shown])
