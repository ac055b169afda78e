"""Signals the engine ranks by, computed as vector arithmetic over all pairs at once.

*Habit* signals describe a (member, product) pair the member already bought: how often,
how recently, the member's own repurchase cycle for it and how far into that cycle they are.
The habit signals include the Poisson chance of a repurchase within the serving horizon,
from the member's own repurchase rate shrunk towards the product's (see :func:`habit_features`).

*Discovery* signals describe a product new to the member: the ALS taste score, how popular
the product is right now, how much of the member's shopping falls in its category, and the
item-to-item score (summed cosine similarity to the member's own products).
"""

from __future__ import annotations

from dataclasses import dataclass

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp

from recommender.baselines import ItemToItem
from recommender.habits import HALF_LIVES, Habits

HABIT_FEATURES = (
    "log_trips",
    "log_recent_short",
    "log_recent_long",
    "log_days_since",
    "log_cycle",
    "bought_once",
    "log_cycle_position",
    "product_repeat_logit",
    "log_product_buyers",
    "log_member_trips",
    "log_member_days_since",
    "share_of_member",
    "log_days_known",
    "taste",
    "log_horizon_chance",
    "log_recent_horizon_chance",
)
# Prior strength (days of exposure) of the Gamma prior on a member's repurchase rate of a
# product, centred on the product's population rate.
PRIOR_DAYS = 60.0
DEFAULT_HORIZON_DAYS = 91.0
DISCOVERY_FEATURES = (
    "taste",
    "log_product_recent_buyers",
    "category_share",
    "family_share",
    "product_repeat_logit",
    "log_item_to_item",
)
# Neighbours kept per product by the item-to-item similarity.
# (50 keeps nearly all of 100's lift, NDCG@10 0.148 against 0.149 on CJ's inner split, at
# half the serving cost; 20 lost more.)
NEIGHBOURS = 50


def category_codes(
    product_ids: np.ndarray, products: pd.DataFrame | None, depth: int
) -> np.ndarray:
    """Integer code of each product's category path cut at ``depth`` levels (-1: unknown)."""
    if products is None or "category" not in products:
        return np.full(len(product_ids), -1, dtype=np.int32)
    paths = products.set_index(products["product_id"].astype(str))["category"].astype(str)
    paths = paths[~paths.index.duplicated()].reindex(product_ids)
    cut = paths.str.split(">").str[:depth].str.join(">").str.strip()
    return pd.factorize(cut)[0].astype(np.int32)


@dataclass
class ProductProfile:
    """What the whole member base says about each product."""

    log_buyers: np.ndarray
    log_recent_buyers: np.ndarray
    repeat_logit: np.ndarray
    category: np.ndarray
    family: np.ndarray
    repurchase_rate: np.ndarray | None = None

    @classmethod
    def from_habits(cls, habits: Habits, category: np.ndarray, family: np.ndarray):
        """Buyers, recent buyers, repeat share (smoothed towards 1/3) and repurchase rate.

        The repurchase rate is the product's trips after the first per day of exposure
        (days from each buyer's first purchase to the window end), smoothed towards the
        rate of all products; it centres the prior of each member's own rate.
        """
        n = habits.shape[1]
        trips = habits.values["trips"]
        buyers = np.bincount(habits.indices, minlength=n)
        repeaters = np.bincount(habits.indices, trips > 1, minlength=n)
        recent = np.bincount(habits.indices, habits.values["recent_short"], minlength=n)
        repeat = (repeaters + 1.0) / (buyers + 3.0)
        exposure = np.maximum(habits.as_of_day - habits.values["first_day"], 1.0)
        again = np.bincount(habits.indices, trips - 1, minlength=n)
        days = np.bincount(habits.indices, exposure, minlength=n)
        overall = again.sum() / max(days.sum(), 1.0)
        rate = (again + overall * 365.0) / (days + 365.0)
        return cls(
            np.log1p(buyers).astype(np.float32),
            np.log1p(recent).astype(np.float32),
            np.log(repeat / (1 - repeat)).astype(np.float32),
            category,
            family,
            rate.astype(np.float32),
        )

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Arrays for ``np.savez``."""
        return {f"product_{k}": v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_arrays(cls, arrays) -> ProductProfile:
        """Inverse of :meth:`to_arrays`."""
        names = ("log_buyers", "log_recent_buyers", "repeat_logit", "category", "family")
        profile = cls(*(arrays[f"product_{k}"] for k in names))
        if "product_repurchase_rate" in arrays:
            profile.repurchase_rate = arrays["product_repurchase_rate"]
        return profile


def member_trips(habits: Habits) -> np.ndarray:
    """Product-trips per member (a member's overall buying volume)."""
    return np.bincount(habits.rows, habits.values["trips"], minlength=habits.shape[0])


def habit_features(
    habits: Habits,
    positions: np.ndarray,
    now_day: float,
    profile: ProductProfile,
    taste: np.ndarray,
    volumes: np.ndarray | None = None,
    horizon: float = DEFAULT_HORIZON_DAYS,
) -> np.ndarray:
    """Habit signals (``HABIT_FEATURES``) for stored pairs at ``positions``, as of ``now_day``.

    ``volumes`` is :func:`member_trips` of ``habits``, when the caller keeps it at hand.

    The two horizon chances are ``P(at least one purchase in the next horizon days)`` under
    a Poisson model, ``1 - exp(-rate * horizon)``, with the member's rate for the product
    estimated as a Gamma posterior: prior centred on the product's population rate worth
    ``PRIOR_DAYS`` of exposure, plus the member's repurchases since their first purchase
    (plain, and with trips and exposure both decayed by the long half-life).

    Pair by pair in compiled code (in float64, stored as float32): scoring calls this for
    every own product of every member.
    """
    v = habits.values
    prior = profile.repurchase_rate
    features = np.empty((len(positions), len(HABIT_FEATURES)), dtype=np.float32)
    _habit_features(
        features,
        np.asarray(positions, dtype=np.int64),
        habits.indptr,
        habits.indices,
        *(v[name] for name in ("trips", "first_day", "last_day", "recent_short", "recent_long")),
        habits.member_last_day,
        member_trips(habits) if volumes is None else volumes,
        profile.repeat_logit,
        profile.log_buyers,
        np.full(habits.shape[1], 0.01, np.float32) if prior is None else prior,
        np.asarray(taste, dtype=np.float64),
        float(now_day),
        float(habits.as_of_day),
        float(horizon),
    )
    return features


@numba.njit(cache=True, nogil=True, error_model="numpy")
def _habit_features(out, positions, indptr, indices, trips, first_day, last_day, recent_short,
                    recent_long, member_last_day, volumes, repeat_logit, log_buyers, prior_rate,
                    taste, now_day, as_of_day, horizon):  # fmt: skip
    decay_short = 0.5 ** ((now_day - as_of_day) / HALF_LIVES[0])
    half_life = HALF_LIVES[1]
    decay_long = 0.5 ** ((now_day - as_of_day) / half_life)
    lam = np.log(2.0) / half_life
    row = 0
    for p in range(len(positions)):
        at = positions[p]
        if not indptr[row] <= at < indptr[row + 1]:  # positions come member by member
            row = np.searchsorted(indptr, at, side="right") - 1
        col = indices[at]
        n, first, last = trips[at], first_day[at], last_day[at]
        days_since = max(now_day - last, 0.0)
        repeated = n > 1
        cycle = (last - first) / max(n - 1, 1.0) if repeated else 0.0
        volume = volumes[row]
        f = out[p]
        f[0] = np.log1p(n)
        f[1] = np.log1p(recent_short[at] * decay_short)
        f[2] = np.log1p(recent_long[at] * decay_long)
        f[3] = np.log1p(days_since)
        f[4] = np.log1p(cycle)
        f[5] = 0.0 if repeated else 1.0
        f[6] = np.log((days_since + 1.0) / (cycle + 1.0)) if repeated else 0.0
        f[7] = repeat_logit[col]
        f[8] = log_buyers[col]
        f[9] = np.log1p(volume)
        f[10] = np.log1p(max(now_day - member_last_day[row], 0.0))
        f[11] = n / max(volume, 1.0)
        f[12] = np.log1p(max(now_day - first, 0.0))
        f[13] = taste[p]
        # The horizon chances (see habit_features).
        prior = np.float64(prior_rate[col]) * PRIOR_DAYS
        exposure = max(now_day - first, 1.0)
        rate = (n - 1.0 + prior) / (exposure + PRIOR_DAYS)
        recent = max(recent_long[at] * decay_long - 0.5 ** ((now_day - first) / half_life), 0.0)
        recent_rate = (recent + prior) / (-np.expm1(-lam * exposure) / lam + PRIOR_DAYS)
        f[14] = np.log(-np.expm1(-rate * horizon) + 1e-9)
        f[15] = np.log(-np.expm1(-recent_rate * horizon) + 1e-9)


def pair_tastes(
    user_factors: np.ndarray, item_factors: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """ALS score of each (row, col) pair (float32, summed in float64), without gathering
    the factor rows into temporary arrays first."""
    values = np.empty(len(rows), dtype=np.float32)
    _pair_tastes(user_factors, item_factors, np.asarray(rows), np.asarray(cols), values)
    return values


@numba.njit(cache=True, nogil=True)
def _pair_tastes(user_factors, item_factors, rows, cols, out):
    for p in range(len(rows)):
        member, product = user_factors[rows[p]], item_factors[cols[p]]
        total = 0.0
        for f in range(len(member)):
            total += np.float64(member[f]) * product[f]
        out[p] = total


def pair_shares(
    habits: Habits, codes: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """Share of the member's product-trips in the product's code (category or family), of
    (row, col) pairs; trips of products of unknown code count in neither share.

    Pair by pair in compiled code, each member's shares worked out when its pairs begin
    (pairs come grouped by member), instead of the whole member x category matrix.
    """
    values = np.empty(len(rows), dtype=np.float64)
    _pair_shares(habits.indptr, habits.indices, habits.values["trips"], codes, rows, cols, values)
    return values


@numba.njit(cache=True, nogil=True)
def _pair_shares(indptr, indices, trips, codes, rows, cols, out):
    sums = np.zeros(max(codes.max(), 0) + 1)
    member, total = -1, 1.0
    for p in range(len(rows)):
        if rows[p] != member:
            if member >= 0:
                for at in range(indptr[member], indptr[member + 1]):
                    sums[max(codes[indices[at]], 0)] = 0.0
            member, total = rows[p], 0.0
            for at in range(indptr[member], indptr[member + 1]):
                code = codes[indices[at]]
                if code >= 0:
                    sums[code] += trips[at]
                    total += trips[at]
            total = max(total, 1.0)
        code = codes[cols[p]]
        out[p] = sums[code] / total if code >= 0 else 0.0


def category_affinity(
    habits: Habits, category: np.ndarray, family: np.ndarray, weights: tuple[float, float]
) -> sp.csr_matrix:
    """Member x category: ``w_c * share(category) + w_f * share(family of the category)``.

    Shares as in :func:`pair_shares`. Folding the family term into the category columns
    lets scoring gather one value per product instead of two; a member's row holds every
    category of the families they bought from. A last, empty column stands for products of
    unknown category. Member by member in compiled code, counted first, then filled.
    """
    n_categories = max(int(category.max()) + 1, 1)
    family_of = np.full(n_categories, -1, dtype=np.int64)
    known = category >= 0
    family_of[category[known]] = family[known]
    with_family = np.flatnonzero(family_of >= 0)
    in_family = with_family[np.argsort(family_of[with_family], kind="stable")]
    family_starts = np.zeros(max(int(family.max()) + 1, 1) + 1, dtype=np.int64)
    np.cumsum(np.bincount(family_of[with_family], minlength=len(family_starts) - 1),
              out=family_starts[1:])  # fmt: skip
    members = habits.shape[0]
    indptr = np.zeros(members + 1, dtype=np.int64)
    arrays = (habits.indptr, habits.indices, habits.values["trips"], category, family, family_of)
    families = (family_starts, in_family)
    w = (float(weights[0]), float(weights[1]))
    empty_i, empty_d = np.empty(0, np.int32), np.empty(0, np.float32)
    _affinity(*arrays, *families, *w, False, indptr[1:], indptr, empty_i, empty_d)  # counts
    np.cumsum(indptr[1:], out=indptr[1:])
    indices, data = np.empty(indptr[-1], np.int32), np.empty(indptr[-1], np.float32)
    _affinity(*arrays, *families, *w, True, indptr[1:], indptr, indices, data)
    return sp.csr_matrix((data, indices, indptr), shape=(members, n_categories + 1))


@numba.njit(cache=True, nogil=True)
def _affinity(indptr, indices, trips, category, family, family_of, family_starts, in_family,
              w_category, w_family, fill, counts, out_ptr, out_indices, out_data):  # fmt: skip
    """Count (``fill`` false, into ``counts``) or fill each member's affinity columns: the
    categories bought, and every category of each family bought."""
    by_category = np.zeros(len(family_of))
    by_family = np.zeros(len(family_starts) - 1)
    columns = np.empty(len(family_of), dtype=np.int64)
    families = np.empty(len(by_family), dtype=np.int64)
    for row in range(len(indptr) - 1):
        total_category, total_family, found, spread = 0.0, 0.0, 0, 0
        for at in range(indptr[row], indptr[row + 1]):
            c, f = category[indices[at]], family[indices[at]]
            if c >= 0:
                by_category[c] += trips[at]
                total_category += trips[at]
            if f >= 0:
                families[spread] = f  # kept only the first time
                spread += by_family[f] == 0.0
                by_family[f] += trips[at]
                total_family += trips[at]
        for at in range(indptr[row], indptr[row + 1]):
            c = category[indices[at]]
            if c >= 0 and (family_of[c] < 0 or by_family[family_of[c]] == 0.0):
                columns[found] = c  # a category whose family is not spread below
                found += by_category[c] > 0.0
                by_category[c] = -by_category[c]  # listed: negative until read
        for k in range(spread):
            for c in in_family[family_starts[families[k]] : family_starts[families[k] + 1]]:
                columns[found] = c
                found += 1
        if fill:
            mine = columns[:found]
            mine.sort()
            start = out_ptr[row]
            for k in range(found):
                c = mine[k]
                value = w_category * abs(by_category[c]) / max(total_category, 1.0)
                if family_of[c] >= 0:
                    value += w_family * by_family[family_of[c]] / max(total_family, 1.0)
                out_indices[start + k] = c
                out_data[start + k] = value
        else:
            counts[row] = found
        for at in range(indptr[row], indptr[row + 1]):
            by_category[max(category[indices[at]], 0)] = 0.0
            by_family[max(family[indices[at]], 0)] = 0.0


def bought_matrix(habits: Habits) -> sp.csr_matrix:
    """Member x product, 1 where the member ever bought the product (float32 CSR)."""
    ones = np.ones(len(habits.indices), dtype=np.float32)
    return sp.csr_matrix((ones, habits.indices, habits.indptr), shape=habits.shape)


def item_similarity(habits: Habits, neighbours: int = NEIGHBOURS) -> sp.csr_matrix:
    """Product x product cosine similarity on bought/not bought, best ``neighbours`` per row.

    The item-to-item baseline's own similarity ("others who bought this also bought").
    """
    return ItemToItem(neighbours, binary=True).fit(habits).model_.similarity.astype(np.float32)
