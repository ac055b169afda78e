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
    """
    v = {name: values[positions] for name, values in habits.values.items()}
    rows = np.searchsorted(habits.indptr, positions, side="right") - 1
    cols = habits.indices[positions]
    days_since = np.maximum(now_day - v["last_day"], 0.0)
    repeated = v["trips"] > 1
    cycle = np.where(repeated, (v["last_day"] - v["first_day"]) / np.maximum(v["trips"] - 1, 1), 0)
    decay = [0.5 ** ((now_day - habits.as_of_day) / h) for h in HALF_LIVES]
    volume = (member_trips(habits) if volumes is None else volumes)[rows]
    member_since = np.maximum(now_day - habits.member_last_day[rows], 0.0)
    columns = [
        np.log1p(v["trips"]),
        np.log1p(v["recent_short"] * decay[0]),
        np.log1p(v["recent_long"] * decay[1]),
        np.log1p(days_since),
        np.log1p(cycle),
        (~repeated).astype(np.float64),
        np.where(repeated, np.log((days_since + 1.0) / (cycle + 1.0)), 0.0),
        profile.repeat_logit[cols],
        profile.log_buyers[cols],
        np.log1p(volume),
        np.log1p(member_since),
        v["trips"] / np.maximum(volume, 1.0),
        np.log1p(np.maximum(now_day - v["first_day"], 0.0)),
        taste,
        *horizon_chances(v, now_day, habits.as_of_day, profile, cols, horizon),
    ]
    return np.column_stack(columns).astype(np.float32)


def horizon_chances(v, now_day, as_of_day, profile, cols, horizon):
    """Log Poisson chances of a repurchase within ``horizon`` days (see habit_features)."""
    if profile.repurchase_rate is None:
        prior = np.full(len(cols), 0.01)
    else:
        prior = profile.repurchase_rate[cols].astype(np.float64)
    exposure = np.maximum(now_day - v["first_day"], 1.0)
    rate = (v["trips"] - 1.0 + prior * PRIOR_DAYS) / (exposure + PRIOR_DAYS)
    half_life = HALF_LIVES[1]
    lam = np.log(2.0) / half_life
    decay = 0.5 ** ((now_day - as_of_day) / half_life)
    recent = np.maximum(
        v["recent_long"] * decay - 0.5 ** ((now_day - v["first_day"]) / half_life), 0
    )
    decayed_exposure = -np.expm1(-lam * exposure) / lam
    recent_rate = (recent + prior * PRIOR_DAYS) / (decayed_exposure + PRIOR_DAYS)
    return [
        np.log(-np.expm1(-rate * horizon) + 1e-9),
        np.log(-np.expm1(-recent_rate * horizon) + 1e-9),
    ]


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
