"""Member tastes from implicit's ALS, on confidence from recency-weighted shopping trips.

Confidence (Hu, Koren & Volinsky 2008) of member u in product i::

    r_ui = sum over trips t with i of 0.5 ** (age_t / 112 days)   (Habits.recent_long)
    c_ui = 1 + alpha * log(1 + r_ui)

implicit adds the 1 for every pair; we hand it ``log(1 + r_ui)`` and ``alpha``. A trip is a
distinct day on which the member bought the product; quantities count only as "bought": on
grocery data they are in mixed units (pieces, kilos, gallons of fuel) and, tried on The
Complete Journey, a log of trips decayed by a 16-week half-life ranked better than BM25 on raw
counts for new products (NDCG@10 0.111 against 0.088).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from implicit.als import AlternatingLeastSquares
from implicit.recommender_base import ModelFitError
from threadpoolctl import threadpool_limits

from recommender.errors import TrainingFailedError
from recommender.habits import Habits


def confidence(habits: Habits) -> sp.csr_matrix:
    """``log(1 + recency-weighted trips)`` per member x product, float32 CSR."""
    weights = habits.matrix("recent_long").astype(np.float32)
    weights.data = np.log1p(weights.data)
    return weights


def fit_tastes(
    model: AlternatingLeastSquares, user_items: sp.csr_matrix, iterations: int | None = None
) -> AlternatingLeastSquares:
    """Fit (or, when the model already holds factors, continue fitting) and check the result.

    Raises
    ------
    TrainingFailedError
        When the factors hold NaN or infinite values.
    """
    if iterations is not None:
        model.iterations = iterations
    try:
        # One BLAS thread: implicit parallelises itself and warns if BLAS does too.
        with threadpool_limits(1, "blas"):
            model.fit(user_items, show_progress=False)
    except ModelFitError as error:
        raise TrainingFailedError(f"ALS produced unusable factors: {error}") from error
    check_factors(model.user_factors, model.item_factors)
    return model


def check_factors(*factors: np.ndarray) -> None:
    """Raise :class:`TrainingFailedError` unless every factor is finite."""
    for matrix in factors:
        if not np.isfinite(matrix).all():
            raise TrainingFailedError(
                "ALS produced NaN or infinite factors; lower alpha or raise regularization"
            )


def member_tastes(model: AlternatingLeastSquares, rows: np.ndarray, user_items: sp.csr_matrix):
    """Recompute the taste factors of some members from their (new) confidence rows."""
    with threadpool_limits(1, "blas"):
        factors = model.recalculate_user(np.asarray(rows), user_items)
    check_factors(factors)
    return factors
