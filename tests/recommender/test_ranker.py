import numpy as np
from scipy.special import log_expit

from recommender.ranker import LogisticRanker, _log_loss


def test_fused_loss_and_gradient_match_numpy_far_into_both_tails():
    rng = np.random.default_rng(0)
    z = np.column_stack([rng.normal(size=(2_000, 3)) * 40, np.ones(2_000)])  # margins to ~200
    y, w = (rng.random(2_000) < 0.3).astype(float), rng.uniform(0.5, 2.0, 2_000)
    beta = rng.normal(size=4)
    gradient = np.empty(4)
    value = _log_loss(z, y, w, beta, gradient)
    margin = z @ beta
    expected = -(w * (y * log_expit(margin) + (1 - y) * log_expit(-margin))).sum()
    assert np.isfinite(value) and np.isclose(value, expected, rtol=1e-12)
    np.testing.assert_allclose(gradient, z.T @ (w * (np.exp(log_expit(margin)) - y)), rtol=1e-10)


def test_ranker_recovers_the_weights_of_a_logistic_model_on_raw_features():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50_000, 2)) * [1.0, 20.0] + [0.0, 100.0]
    truth = np.array([1.5, -0.1])
    y = rng.random(len(x)) < 1 / (1 + np.exp(-(x @ truth + 9.0)))
    ranker = LogisticRanker(l2=0.0).fit(x, y)
    np.testing.assert_allclose(ranker.coef_, truth, rtol=0.05)
    assert abs(ranker.intercept_ - 9.0) < 0.5
