import numpy as np
import pytest

from recommender.metrics import (
    coverage,
    hits_of,
    map_at_k,
    ndcg_at_k,
    precision_at_k,
    recall_at_k,
)

# Member 0: hits at ranks 1 and 3 of 4, 2 relevant; member 1: no hit, 3 relevant.
HITS = np.array([[1, 0, 1, 0], [0, 0, 0, 0]], dtype=bool)
RELEVANT = np.array([2, 3])


def test_precision():
    assert precision_at_k(HITS) == pytest.approx((2 / 4 + 0) / 2)


def test_recall():
    assert recall_at_k(HITS, RELEVANT) == pytest.approx((2 / 2 + 0) / 2)


def test_ndcg():
    gain = 1 + 1 / np.log2(4)
    ideal = 1 + 1 / np.log2(3)
    assert ndcg_at_k(HITS, RELEVANT) == pytest.approx((gain / ideal) / 2)


def test_map():
    assert map_at_k(HITS, RELEVANT) == pytest.approx(((1 + 2 / 3) / 2) / 2)


def test_perfect_list_scores_one():
    perfect = np.array([[1, 1, 0]], dtype=bool)
    assert ndcg_at_k(perfect, np.array([2])) == pytest.approx(1.0)
    assert map_at_k(perfect, np.array([2])) == pytest.approx(1.0)


def test_coverage_ignores_empty_slots():
    assert coverage(np.array([[0, 1, -1], [1, 2, -1]]), 10) == pytest.approx(0.3)


def test_hits_from_pair_keys():
    truth = np.sort(np.array([0 * 5 + 3, 1 * 5 + 0]))
    hits = hits_of(np.array([[3, 1], [2, -1]]), np.array([0, 1]), truth, 5)
    assert hits.tolist() == [[True, False], [False, False]]
