import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from recommender.dense import ProductGroups, add_group_values, add_item_to_item, log1p_positive
from recommender.features import (
    HABIT_FEATURES,
    ProductProfile,
    bought_matrix,
    category_affinity,
    habit_features,
    item_similarity,
)
from recommender.habits import Habits
from recommender.model import SelectionModel
from recommender.training import Signals


def events(pairs):
    """``(row, col, day)`` purchase events as the engine's frame."""
    return pd.DataFrame(pairs, columns=["row", "col", "day"]).astype({"day": float})


def test_horizon_chance_grows_with_the_members_repurchase_rate():
    # Member 0 buys product 0 weekly, member 1 twice in the same 70 days.
    weekly = [(0, 0, d) for d in range(0, 70, 7)]
    rare = [(1, 0, 0), (1, 0, 63)]
    habits = Habits.from_events(events(weekly + rare + [(2, 1, 5)]), (3, 2), 70.0)
    profile = ProductProfile.from_habits(habits, np.full(2, -1), np.full(2, -1))
    positions = np.arange(len(habits.indices))
    features = habit_features(habits, positions, 70.0, profile, np.zeros(len(positions)))
    chance = features[:, HABIT_FEATURES.index("log_horizon_chance")]
    assert chance[0] > chance[1]
    assert (chance <= 0).all()


def test_item_to_item_scores_the_products_bought_with_the_members_own():
    # Products 0 and 1 go together, product 2 goes alone.
    pairs = [(m, p, 1) for m in range(4) for p in (0, 1)] + [(4, 2, 1), (5, 0, 1)]
    habits = Habits.from_events(events(pairs), (6, 3), 2.0)
    scores = np.zeros(habits.shape, dtype=np.float32)
    add_item_to_item(scores, bought_matrix(habits), np.arange(6), item_similarity(habits), 1.0)
    assert scores[5, 1] > 0
    assert scores[5, 2] == 0


def test_models_saved_before_the_new_signals_still_load(model):
    arrays = model.to_arrays()
    for name in ("similarity_data", "similarity_indices", "similarity_indptr"):
        del arrays[name]
    del arrays["product_repurchase_rate"]
    arrays["habit_weights"] = np.r_[model.habit_weights_[:-2], model.habit_intercept_]
    arrays["discovery_weights"] = np.r_[model.discovery_weights_[:-1], 0.0]
    loaded = SelectionModel.from_arrays(arrays, model.get_params())
    scores = loaded.scores(np.arange(3))
    assert np.isfinite(scores).all()


def test_discovery_scores_blend_the_discovery_signals_of_every_product(model):
    rows = np.arange(model.dataset_.shape[0])
    pairs_rows = np.repeat(rows, model.dataset_.shape[1])
    pairs_cols = np.tile(np.arange(model.dataset_.shape[1]), len(rows))
    signals = Signals(
        model.habits_, model.user_factors_, model.item_factors_, model.profile_, model.similarity_
    )
    features = signals.discovery_features(pairs_rows, pairs_cols)
    assert (features[:, -1] > 0).any() and model.discovery_weights_[-1] != 0  # item-to-item counts
    expected = features @ model.discovery_weights_ + model.discovery_intercept_
    scores = model.discovery_scores(rows)
    np.testing.assert_allclose(scores.ravel(), expected, rtol=1e-5, atol=1e-5)  # float32 sums


@pytest.mark.parametrize(
    "groups", [[0, 0, 1, 1, 1, 2], [1, 0, 2, 1, 0, 1]], ids=["side by side", "apart"]
)
def test_group_values_add_each_members_value_to_every_product_of_the_group(groups):
    values = sparse.csr_matrix(np.array([[0.5, 0, 2.0], [0, 0, 0], [1.0, 3.0, 0]], np.float32))
    rows = np.array([2, 0, 1])
    scores = np.ones((3, 6), np.float32)
    add_group_values(scores, values, rows, ProductGroups(np.array(groups)))
    expected = 1.0 + values.toarray()[rows][:, groups]
    np.testing.assert_array_equal(scores, expected)


def test_a_fitted_model_keeps_each_categorys_products_side_by_side(model):
    assert (np.diff(model.category_) >= 0).all() and len(np.unique(model.category_)) > 1
    assert model.shelf().categories.side_by_side


def test_the_compiled_log1p_is_numpys_within_float32_spacing():
    values = np.r_[10.0 ** np.linspace(-9, 3, 100_001), 0.0, -1.0, 1e-30].astype(np.float32)
    found = values.copy()
    log1p_positive(found, np.empty(len(values), np.int32))
    expected = np.log1p(np.maximum(values, 0).astype(np.float64))
    assert np.abs(found - expected).max() < 3e-7


def test_category_affinity_spreads_a_family_share_to_its_categories_never_bought():
    # p0 and p1 share family 0 (categories 0 and 1), p2 is family 1; p3's category is unknown.
    member = [(0, 0, d) for d in (1, 2, 3)] + [(0, 2, 4), (0, 3, 5)] + [(1, 3, 1)]
    habits = Habits.from_events(events(member), (3, 4), 10.0)
    category, family = np.array([0, 1, 2, -1]), np.array([0, 0, 1, -1])
    affinity = category_affinity(habits, category, family, (2.0, 10.0)).toarray()
    assert affinity.shape == (3, 4)  # a last, empty column for unknown categories
    np.testing.assert_allclose(
        affinity[0], [2 * 0.75 + 10 * 0.75, 10 * 0.75, 2 * 0.25 + 10 * 0.25, 0]
    )
    assert not affinity[1:].any()  # only unknown categories, or nothing bought
