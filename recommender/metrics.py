"""Ranking metrics at k over blocks of lists, with binary relevance.

``hits`` is a members x k boolean array (the product at rank r is in the member's truth),
``relevant`` the size of each member's truth. Every metric is the mean over members.
"""

from __future__ import annotations

import numpy as np


def precision_at_k(hits: np.ndarray) -> float:
    """Share of the k slots that hold a relevant product."""
    return float(hits.mean(axis=1).mean())


def recall_at_k(hits: np.ndarray, relevant: np.ndarray) -> float:
    """Share of each member's relevant products found in the top k."""
    return float((hits.sum(axis=1) / np.maximum(relevant, 1)).mean())


def ndcg_at_k(hits: np.ndarray, relevant: np.ndarray) -> float:
    """Discounted gain of the hits over the gain of a perfect list of the same length."""
    discount = 1.0 / np.log2(np.arange(hits.shape[1]) + 2.0)
    ideal = np.cumsum(discount)[np.clip(relevant, 1, hits.shape[1]) - 1]
    return float(((hits * discount).sum(axis=1) / ideal).mean())


def map_at_k(hits: np.ndarray, relevant: np.ndarray) -> float:
    """Mean average precision: precision at each hit, over ``min(k, relevant)``."""
    ranks = np.arange(1, hits.shape[1] + 1)
    precision_at_hits = np.cumsum(hits, axis=1) / ranks * hits
    return float((precision_at_hits.sum(axis=1) / np.clip(relevant, 1, hits.shape[1])).mean())


def coverage(lists: np.ndarray, catalogue_size: int) -> float:
    """Share of the catalogue recommended to at least one member (-1 slots are empty)."""
    return float(len(np.unique(lists[lists >= 0])) / catalogue_size)


def hits_of(lists: np.ndarray, rows: np.ndarray, truth_keys: np.ndarray, n_columns: int):
    """Boolean hits of ``lists`` (columns) for member ``rows`` against sorted pair keys.

    A pair key is ``row * n_columns + column``.
    """
    keys = rows[:, None].astype(np.int64) * n_columns + lists
    found = np.searchsorted(truth_keys, keys).clip(max=len(truth_keys) - 1)
    return (truth_keys[found] == keys) & (lists >= 0)


def summary(hits: np.ndarray, relevant: np.ndarray, lists: np.ndarray, catalogue_size: int):
    """All metrics as a dict (the report's row for one recommender and view)."""
    return {
        "precision": precision_at_k(hits),
        "recall": recall_at_k(hits, relevant),
        "ndcg": ndcg_at_k(hits, relevant),
        "map": map_at_k(hits, relevant),
        "coverage": coverage(lists, catalogue_size),
        "members": len(hits),
    }
