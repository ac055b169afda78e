"""The exact part of curation, on a shortlist per member: promote, then limit, greedily.

Only the shortlist (a few times ``n`` products per member, plus the best matching products of
each promote rule) is walked, rank by rank and for all members at once.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from loyalty.brand_fit.block import BlockRules

PROMOTE_EXTRA = 8


class Pick(NamedTuple):
    """Selected product indices (-1 pads) and their moved scores, one row per member."""

    products: np.ndarray
    scores: np.ndarray


def pick(moved, scores, candidate, rules: BlockRules, n, size, quotas, rows) -> Pick:
    """Select up to ``n`` products for the members ``rows`` from a shortlist of ``size``."""
    everyone = len(rows) == len(moved)
    moved, scores, candidate = (a if everyone else a[rows] for a in (moved, scores, candidate))
    promoted = [_eligible(p, rows, everyone, scores, candidate) for p in rules.promotions]
    pool = np.concatenate(
        [_top(moved, candidate, size)]
        + [
            _top(moved, eligible, 2 * quota + PROMOTE_EXTRA)
            for eligible, quota in zip(promoted, quotas, strict=True)
        ],
        axis=1,
    )
    values = np.take_along_axis(moved, pool, axis=1)
    order = np.lexsort((pool, -values), axis=-1)
    pool, values = np.take_along_axis(pool, order, 1), np.take_along_axis(values, order, 1)
    valid = np.isfinite(values)
    valid[:, 1:] &= pool[:, 1:] != pool[:, :-1]
    limits = [_limit_codes(limit, rows, everyone, pool) for limit in rules.limits]
    walk = _Walk(valid, limits, n)
    for eligible, quota in zip(promoted, quotas, strict=True):
        walk.fill(np.take_along_axis(eligible, pool, axis=1), quota)
    walk.fill(valid, n)
    return _ranked(pool, values, walk.accepted, n)


def _eligible(promotion, rows, everyone, scores, candidate) -> np.ndarray:
    products = promotion.products
    if products.ndim == 2 and not everyone:
        products = products[rows]
    return candidate & (scores > 0) & products & promotion.members[rows][:, None]


def _limit_codes(limit, rows, everyone, pool) -> tuple[np.ndarray, int]:
    codes = limit.groups[pool]
    counted = limit.members[rows][:, None]
    if limit.products.ndim == 2:
        products = limit.products if everyone else limit.products[rows]
        counted = counted & np.take_along_axis(products, pool, axis=1)
    return np.where(counted, codes, -1), limit.max


def _top(values: np.ndarray, wanted: np.ndarray, size: int) -> np.ndarray:
    total = values.shape[1]
    if size >= total:
        return np.broadcast_to(np.arange(total), values.shape).copy()
    # Many equal values (-inf for everything excluded) make argpartition several times slower:
    # give them distinct values far below any score (float32 steps are ~1e31 at -1e38).
    # Whether a pooled product is wanted is read again afterwards.
    below = (-1e38 - 1e33 * np.arange(total, dtype=np.float64)).astype(values.dtype)
    keys = np.where(wanted, values, below)
    return np.argpartition(keys, total - size, axis=1)[:, total - size :]


class _Walk:
    """Accepts products rank by rank, for all members at once, keeping every limit."""

    def __init__(self, valid: np.ndarray, limits: list, n: int):
        self.valid, self.limits, self.n = valid, limits, n
        self.accepted = np.zeros_like(valid)
        self.count = np.zeros(len(valid), dtype=np.int64)
        self.members = np.arange(len(valid))
        # Accepted products per member and group of each limit, kept up to date as products
        # are accepted: checking a rank then costs one lookup per member, not a scan.
        self.in_group = [
            np.zeros((len(valid), max(int(codes.max(initial=-1)) + 1, 1)), dtype=np.int32)
            for codes, _ in limits
        ]

    def fill(self, wanted: np.ndarray, quota: int) -> None:
        """Accept wanted products down the ranks until ``quota`` of them (or ``n`` in all)."""
        have = (self.accepted & wanted).sum(axis=1)
        for rank in range(self.valid.shape[1]):
            open_ = (have < quota) & (self.count < self.n)
            if not open_.any():
                return
            take = open_ & wanted[:, rank] & self.valid[:, rank] & ~self.accepted[:, rank]
            take &= self._within_limits(rank)
            self.accepted[:, rank] |= take
            have += take
            self.count += take
            self._count_groups(rank, take)

    def _within_limits(self, rank: int) -> np.ndarray:
        ok = np.ones(len(self.valid), dtype=bool)
        for (codes, most), counts in zip(self.limits, self.in_group, strict=True):
            group = codes[:, rank]
            same = counts[self.members, np.maximum(group, 0)]
            ok &= (group < 0) | (same < most)
        return ok

    def _count_groups(self, rank: int, take: np.ndarray) -> None:
        for (codes, _), counts in zip(self.limits, self.in_group, strict=True):
            group = codes[:, rank]
            counted = take & (group >= 0)
            counts[self.members[counted], group[counted]] += 1


def _ranked(pool, values, accepted, n) -> Pick:
    first = np.argsort(~accepted, axis=1, kind="stable")[:, :n]
    kept = np.take_along_axis(accepted, first, axis=1)
    products = np.where(kept, np.take_along_axis(pool, first, axis=1), -1)
    chosen = np.where(kept, np.take_along_axis(values, first, axis=1), -np.inf)
    if products.shape[1] < n:
        pad = n - products.shape[1]
        products = np.pad(products, ((0, 0), (0, pad)), constant_values=-1)
        chosen = np.pad(chosen, ((0, 0), (0, pad)), constant_values=-np.inf)
    return Pick(products.astype(np.int64), chosen.astype(np.float32))
