"""The three baselines the engine must beat, each in its strongest simple form.

* :class:`MostPopular`: products with the most buyers.
* :class:`BuyAgain`: the member's own products by recency-weighted trips, then the most popular.
* :class:`ItemToItem`: implicit's cosine k-nearest-neighbour recommender ("others also bought").

All score a block of members as a dense array, so :func:`recommender.ranking.top_k` ranks them.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from implicit.nearest_neighbours import ItemItemRecommender
from threadpoolctl import threadpool_limits

from recommender.habits import Habits


def popularity(habits: Habits) -> np.ndarray:
    """Buyers per product, as a float32 vector."""
    return np.bincount(habits.indices, minlength=habits.shape[1]).astype(np.float32)


class MostPopular:
    """The same list for everyone: products by number of buyers."""

    def fit(self, habits: Habits) -> MostPopular:
        """Count buyers per product."""
        self.buyers_ = popularity(habits)
        return self

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Scores for a block of member rows."""
        return np.broadcast_to(self.buyers_, (len(rows), len(self.buyers_))).copy()


class BuyAgain:
    """The member's own products by trips weighted ``0.5 ** (age / half_life_days)``.

    Popularity (scaled below any own product) fills the list when a member bought fewer
    than ``k`` products.
    """

    def __init__(self, half_life_days: float = 112.0):
        self.half_life_days = half_life_days

    def fit(self, events, habits: Habits) -> BuyAgain:
        """Recency-weighted trips as of the end of ``habits``'s window."""
        trips = events.assign(day=np.floor(events["day"])).drop_duplicates(["row", "col", "day"])
        weight = 0.5 ** ((habits.as_of_day - trips["day"].to_numpy()) / self.half_life_days)
        shape = habits.shape
        self.weights_ = sp.csr_matrix((weight, (trips["row"], trips["col"])), shape=shape)
        buyers = popularity(habits)
        self.filler_ = buyers / (buyers.max() + 1.0) * 1e-6
        return self

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Scores for a block of member rows."""
        return self.weights_[rows].toarray().astype(np.float32) + self.filler_


class ItemToItem:
    """implicit's cosine item-item recommender on bought/not bought (``binary``) or trip counts."""

    def __init__(self, neighbours: int = 100, binary: bool = True):
        self.neighbours = neighbours
        self.binary = binary

    def fit(self, habits: Habits) -> ItemToItem:
        """Item-item cosine similarities from the member x product trips."""
        trips = habits.matrix("trips").astype(np.float32)
        self.user_items_ = (trips > 0).astype(np.float32) if self.binary else trips
        # implicit's CosineRecommender, with the column normalisation done here in CSR form:
        # implicit's own ``normalize`` hands a COO matrix on and warns about it.
        norms = np.sqrt(np.asarray(self.user_items_.multiply(self.user_items_).sum(axis=0)))
        weighted = (self.user_items_ @ sp.diags(1.0 / np.maximum(norms.ravel(), 1e-12))).tocsr()
        self.model_ = ItemItemRecommender(K=self.neighbours)
        with threadpool_limits(1, "blas"):
            self.model_.fit(weighted.astype(np.float64), show_progress=False)
        return self

    def score(self, rows: np.ndarray) -> np.ndarray:
        """Sum of similarities to the member's products (implicit's kNN score), dense block."""
        scores = (self.user_items_[rows] @ self.model_.similarity).toarray()
        return scores.astype(np.float32, copy=False)
