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


def category_shares(habits: Habits, codes: np.ndarray) -> sp.csr_matrix:
    """Member x category share of the member's product-trips (rows sum to one)."""
    known = codes[habits.indices] >= 0
    rows = habits.rows[known]
    trips = habits.values["trips"][known]
    shape = (habits.shape[0], max(int(codes.max()) + 1, 1))
    shares = sp.csr_matrix((trips, (rows, codes[habits.indices][known])), shape=shape)
    totals = np.asarray(shares.sum(axis=1)).ravel()
    return sp.diags(1.0 / np.maximum(totals, 1.0)) @ shares


def category_affinity(
    habits: Habits, category: np.ndarray, family: np.ndarray, weights: tuple[float, float]
) -> sp.csr_matrix:
    """Member x category: ``w_c * share(category) + w_f * share(family of the category)``.

    Folding the family term into the category columns lets scoring gather one value per
    product instead of two. A last, empty column stands for products of unknown category.
    """
    n_categories = max(int(category.max()) + 1, 1)
    family_of = np.full(n_categories, -1)
    known = category >= 0
    family_of[category[known]] = family[known]
    with_family = np.flatnonzero(family_of >= 0)
    spread = sp.csr_matrix(
        (np.ones(len(with_family)), (family_of[with_family], with_family)),
        shape=(max(int(family.max()) + 1, 1), n_categories),
    )
    by_category = category_shares(habits, category)
    by_family = category_shares(habits, family) @ spread
    affinity = weights[0] * by_category[:, :n_categories] + weights[1] * by_family
    return sp.hstack([affinity, sp.csr_matrix((habits.shape[0], 1))]).tocsr().astype(np.float32)


def bought_matrix(habits: Habits) -> sp.csr_matrix:
    """Member x product, 1 where the member ever bought the product (float32 CSR)."""
    ones = np.ones(len(habits.indices), dtype=np.float32)
    return sp.csr_matrix((ones, habits.indices, habits.indptr), shape=habits.shape)


def item_similarity(habits: Habits, neighbours: int = NEIGHBOURS) -> sp.csr_matrix:
    """Product x product cosine similarity on bought/not bought, best ``neighbours`` per row.

    The item-to-item baseline's own similarity ("others who bought this also bought").
    """
    return ItemToItem(neighbours, binary=True).fit(habits).model_.similarity.astype(np.float32)


def item_to_item(bought: sp.csr_matrix, similarity: sp.csr_matrix) -> sp.csr_matrix:
    """``log(1 + sum of similarities to the member's products)``, sparse, per member row."""
    scores = (bought @ similarity).tocsr()
    scores.data = np.log1p(np.maximum(scores.data, 0.0))
    return scores
