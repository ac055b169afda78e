"""Learning how to weigh the signals, on the last weeks inside the training window.

The window is cut ``validation_days`` before its end. Signals are computed from what came
before the cut, labels are what each member bought after it, and only members who shopped
after the cut take part (as in the evaluation). Two logistic models come out:

* the *habit* model ranks a member's own products (:data:`HABIT_FEATURES`);
* the *discovery* model ranks products new to the member (:data:`DISCOVERY_FEATURES`).
  It learns on each member's best candidates by taste, the region where its ranking matters;
  there its log-odds are on the same scale as the habit model's, so both share one list.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender.dense import add_item_to_item
from recommender.features import (
    ProductProfile,
    bought_matrix,
    habit_features,
    pair_shares,
    pair_tastes,
)
from recommender.habits import Habits
from recommender.ranker import LogisticRanker
from recommender.ranking import mask_own, top_k

BLOCK = 1024


@dataclass
class Signals:
    """Everything the scoring needs from one window: habits, tastes, product profile."""

    habits: Habits
    user_factors: np.ndarray
    item_factors: np.ndarray
    profile: ProductProfile
    similarity: sp.csr_matrix

    def taste(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """ALS score of each (row, col) pair."""
        return pair_tastes(self.user_factors, self.item_factors, rows, cols)

    def discovery_features(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Discovery signals (``DISCOVERY_FEATURES``) of (row, col) pairs, grouped by row."""
        profile = self.profile
        columns = [self.taste(rows, cols), profile.log_recent_buyers[cols]]
        for codes in (profile.category, profile.family):
            columns.append(pair_shares(self.habits, codes, rows, cols))
        columns.append(profile.repeat_logit[cols])
        columns.append(self.item_to_item(rows, cols))
        return np.column_stack(columns).astype(np.float32)

    def item_to_item(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        """Item-to-item score of (row, col) pairs, as serving adds it (a block at a time)."""
        members, inverse = np.unique(rows, return_inverse=True)
        bought = bought_matrix(self.habits)
        values = np.zeros(len(rows), dtype=np.float32)
        for start in range(0, len(members), BLOCK):
            block = members[start : start + BLOCK]
            scores = np.zeros((len(block), self.habits.shape[1]), dtype=np.float32)
            add_item_to_item(scores, bought, block, self.similarity, 1.0)
            inside = (inverse >= start) & (inverse < start + BLOCK)
            values[inside] = scores[inverse[inside] - start, cols[inside]]
        return values


def bought_keys(later: pd.DataFrame, n_products: int) -> np.ndarray:
    """Sorted pair keys of the purchases after the cut (for :func:`is_in`)."""
    return np.sort(pair_keys(later["row"].to_numpy(), later["col"].to_numpy(), n_products))


def is_in(keys: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
    """Whether each key is in ``sorted_keys`` (a binary search; cheaper than ``np.isin``)."""
    if len(sorted_keys) == 0:
        return np.zeros(len(keys), dtype=bool)
    at = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
    return sorted_keys[at] == keys


def pair_keys(rows: np.ndarray, cols: np.ndarray, n_products: int) -> np.ndarray:
    """One int64 per (row, col) pair."""
    return rows.astype(np.int64) * n_products + cols


def row_lengths(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Stored pairs per row of ``rows`` in a CSR pattern (``np.diff(indptr)[rows]`` without
    the difference of every row: a block's share of a million members' rows)."""
    return indptr[rows + 1] - indptr[rows]


def ragged_positions(indptr: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Positions of all stored pairs of ``rows`` in a CSR pattern, without a Python loop."""
    starts, counts = indptr[rows], row_lengths(indptr, rows)
    offsets = np.repeat(starts - np.cumsum(counts) + counts, counts)
    return offsets + np.arange(counts.sum())


def fit_habit_model(
    signals: Signals, later: pd.DataFrame, members: np.ndarray, day: float, horizon: float
):
    """Logistic habit model: which own products each member bought again after ``day``."""
    habits = signals.habits
    positions = ragged_positions(habits.indptr, members)
    rows, cols = habits.rows[positions], habits.indices[positions]
    features = habit_features(
        habits,
        positions,
        day,
        signals.profile,
        signals.taste(rows, cols),
        horizon=horizon,
    )
    labels = is_in(pair_keys(rows, cols, habits.shape[1]), bought_keys(later, habits.shape[1]))
    return LogisticRanker().fit(features, labels)


def discovery_candidates(signals: Signals, members: np.ndarray, size: int) -> np.ndarray:
    """Pair keys of each member's ``size`` best new products by taste (one product per block)."""
    habits = signals.habits
    own = habits.matrix("trips")
    blocks = []
    for start in range(0, len(members), BLOCK):
        rows = members[start : start + BLOCK]
        scores = signals.user_factors[rows] @ signals.item_factors.T
        mask_own(scores, own, rows)
        cols = top_k(scores, size)[0]
        blocks.append(pair_keys(np.repeat(rows, cols.shape[1]), cols.ravel(), habits.shape[1]))
    keys = np.concatenate(blocks)
    return keys[keys % habits.shape[1] >= 0] if len(keys) else keys


def fit_discovery_model(
    signals: Signals, later: pd.DataFrame, members: np.ndarray, candidates: int
) -> LogisticRanker:
    """Logistic discovery model: which of their taste candidates members bought after the cut.

    Training on each member's best ``candidates`` new products by taste (rather than on a
    uniform sample) teaches the weights that matter at the top of a list, where popularity
    and category affinity must break ties between products the member's taste already likes;
    on The Complete Journey it raised discovery NDCG@10 from 0.111 to 0.113.
    """
    n_products = signals.habits.shape[1]
    keys = discovery_candidates(signals, members, candidates)
    labels = is_in(keys, bought_keys(later, n_products))
    if labels.all() or not labels.any():
        raise ValueError("no contrast between bought and not bought")
    features = signals.discovery_features(keys // n_products, keys % n_products)
    return LogisticRanker().fit(features, labels)
