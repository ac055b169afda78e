"""The engine's model: member tastes (ALS), buying habits, and the weights that blend them.

:class:`SelectionModel` is a scikit-learn style estimator: the constructor stores parameters,
:meth:`~SelectionModel.fit` learns from a transactions frame and returns the model, learned
state ends in ``_``. It scores a block of members against the whole catalogue with one matrix
product; :mod:`recommender.selection` turns those scores into selections.

Scores are log-odds of a purchase in the next weeks. A member's own products are scored by
the habit model (how often, how recently, where in their own repurchase cycle), products new
to the member by the discovery model (ALS taste, category affinity, current popularity, and
item-to-item: similarity to the member's own products, cosine over who bought what); both
were fitted on the last ``validation_days`` of the training window (see
:mod:`recommender.training`), so they share one scale and one list.
"""

from __future__ import annotations

import hashlib
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import scipy.sparse as sp
from implicit.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits

from recommender.dataset import NANOSECONDS_PER_DAY, Dataset
from recommender.dense import ProductGroups, add_group_values, add_item_to_item
from recommender.errors import EmptyHistoryError
from recommender.features import (
    DISCOVERY_FEATURES,
    HABIT_FEATURES,
    ProductProfile,
    bought_matrix,
    category_affinity,
    category_codes,
    habit_features,
    item_similarity,
    member_trips,
    pair_tastes,
)
from recommender.habits import Habits
from recommender.shelf import Shelf
from recommender.taste import confidence, fit_tastes, member_tastes
from recommender.training import (
    Signals,
    fit_discovery_model,
    fit_habit_model,
    ragged_positions,
    row_lengths,
)

# Used when the window is too short to learn weights from: buy-again by recent trips for
# habits, taste plus a little popularity for discoveries.
DEFAULT_HABIT_WEIGHTS = np.array([0, 0, 1.0] + [0] * (len(HABIT_FEATURES) - 3))
DEFAULT_DISCOVERY_WEIGHTS = np.array([1.0, 0.3, 1.0, 1.0, 0.0, 0.5])


class SelectionModel:
    """Personal selection model for loyalty members.

    Parameters
    ----------
    factors, regularization, alpha, iterations : ALS settings (implicit's meaning).
    refit_iterations : int
        Of the ``iterations``, how many run on the whole window, warm-started from the
        factors fitted on the window before the validation weeks. ALS thus costs what one
        plain fit costs, and the blend weights learn from tastes that never saw their labels.
        With fewer ``iterations`` than that, each part gets at least one.
    validation_days : float
        Length of the window end the blend weights are learned on.
    horizon_days : float
        Horizon of the habit signals' repurchase chances (the weeks a selection serves).
    discovery_candidates : int
        New products per member (best by taste) the discovery model learns to rank.
    max_training_members : int
        At most this many members (sampled) train the blend weights.
    random_state : int or None
    """

    def __init__(
        self,
        factors: int = 64,
        regularization: float = 0.05,
        alpha: float = 5.0,
        iterations: int = 15,
        refit_iterations: int = 5,
        validation_days: float = 28.0,
        horizon_days: float = 91.0,
        discovery_candidates: int = 100,
        max_training_members: int = 5_000,
        random_state: int | None = None,
    ):
        self.factors = factors
        self.regularization = regularization
        self.alpha = alpha
        self.iterations = iterations
        self.refit_iterations = refit_iterations
        self.validation_days = validation_days
        self.horizon_days = horizon_days
        self.discovery_candidates = discovery_candidates
        self.max_training_members = max_training_members
        self.random_state = random_state

    def get_params(self) -> dict:
        """Constructor parameters (for metadata and cloning)."""
        names = self.__init__.__code__.co_varnames[1 : self.__init__.__code__.co_argcount]
        return {name: getattr(self, name) for name in names}

    def _new_als(self) -> AlternatingLeastSquares:
        # implicit checks the BLAS thread count when the model is made, and warns.
        with threadpool_limits(1, "blas"):
            return AlternatingLeastSquares(
                factors=self.factors,
                regularization=self.regularization,
                alpha=self.alpha,
                iterations=self.iterations,
                random_state=self.random_state,
            )

    def fit(self, transactions: pd.DataFrame, products: pd.DataFrame | None = None):
        """Learn tastes, habits and blend weights from ``transactions``.

        Raises
        ------
        EmptyHistoryError
            No transaction (of a known product) to learn from.
        TrainingFailedError
            ALS produced NaN or infinite factors.
        """
        timings, started = {}, time.perf_counter()
        dataset, events = Dataset.with_purchase_events(transactions)
        if len(events) == 0:
            raise EmptyHistoryError("no usable transactions to build a model from")
        category = category_codes(dataset.product_ids, products, 3)
        order = np.argsort(category, kind="stable")
        self.dataset_, events = _by_category(dataset, events, order)
        self.category_ = category[order]
        self.family_ = category_codes(self.dataset_.product_ids, products, 2)
        self.as_of_day_ = float(np.floor(events["day"].max()) + 1.0)
        stamps = transactions["timestamp"]
        self.window_ = (str(stamps.min()), str(stamps.max()))
        self._als = self._new_als()
        timings["prepare"] = time.perf_counter() - started
        learning = self._validation_window(events, timings)
        # The blend weights, then the scoring arrays, are made in a thread while the final
        # ALS iterations run: they are mostly one core's work, and would leave a core idle.
        with ThreadPoolExecutor(1) as pool:
            blending = pool.submit(self._learn_weights, *learning, timings) if learning else None
            started = time.perf_counter()
            self.habits_ = Habits.from_events(events, self.dataset_.shape, self.as_of_day_)
            self.profile_ = ProductProfile.from_habits(self.habits_, self.category_, self.family_)
            if not learning:
                self.similarity_ = item_similarity(self.habits_)
            timings["habits"] = time.perf_counter() - started
            scoring = pool.submit(self._prepare_scoring, timings)  # after the blend's weights
            started = time.perf_counter()
            iterations = self._iterations()[1] if learning else None
            fit_tastes(self._als, confidence(self.habits_), iterations)
            timings["tastes"] = time.perf_counter() - started
            for step in (blending, scoring):
                if step:
                    step.result()
        self.timings_ = timings
        return self

    def _validation_window(self, events: pd.DataFrame, timings: dict) -> tuple | None:
        """Tastes and signals of the window before the validation weeks, and its labels.

        Sets the default blend weights, used as they are when the window is too short to
        learn from (``None`` is returned then).
        """
        self.habit_weights_ = DEFAULT_HABIT_WEIGHTS.astype(np.float64)
        self.habit_intercept_ = 0.0
        self.discovery_weights_ = DEFAULT_DISCOVERY_WEIGHTS.astype(np.float64)
        self.discovery_intercept_ = -10.0
        cut = self.as_of_day_ - self.validation_days
        before, later = events[events["day"] < cut], events[events["day"] >= cut]
        members = np.intersect1d(later["row"].unique(), before["row"].unique())
        if len(members) < 2:
            return None
        started = time.perf_counter()
        habits = Habits.from_events(before, self.dataset_.shape, cut)
        # Learned before the cut and kept for serving: one item-to-item fit per training.
        self.similarity_ = item_similarity(habits)
        timings["similarity"] = time.perf_counter() - started
        started = time.perf_counter()
        fit_tastes(self._als, confidence(habits), self._iterations()[0])
        timings["validation_tastes"] = time.perf_counter() - started
        profile = ProductProfile.from_habits(habits, self.category_, self.family_)
        # Copies: the final iterations go on from these factors, in place.
        signals = Signals(
            habits,
            self._als.user_factors.copy(),
            self._als.item_factors.copy(),
            profile,
            self.similarity_,
        )
        return signals, later, members, cut

    def _iterations(self) -> tuple[int, int]:
        """ALS iterations before the validation weeks, then on the whole window.

        At least one each: with no iteration before the weeks, the blend would learn from
        the random factors ALS starts from (and give them weights in the thousands).
        """
        refit = max(min(self.refit_iterations, self.iterations - 1), 1)
        return max(self.iterations - refit, 1), refit

    def _learn_weights(
        self, signals: Signals, later: pd.DataFrame, members: np.ndarray, cut: float, timings
    ) -> None:
        """Fit both blend models on the validation weeks (a sample of their members)."""
        started = time.perf_counter()
        rng = np.random.default_rng(self.random_state)
        if len(members) > self.max_training_members:
            members = np.sort(rng.choice(members, self.max_training_members, replace=False))
        habit = fit_habit_model(signals, later, members, cut, self.horizon_days)
        discovery = fit_discovery_model(signals, later, members, self.discovery_candidates)
        self.habit_weights_, self.habit_intercept_ = habit.coef_, habit.intercept_
        self.discovery_weights_, self.discovery_intercept_ = discovery.coef_, discovery.intercept_
        timings["blend"] = time.perf_counter() - started

    def _prepare_scoring(self, timings: dict | None = None, saved: dict | None = None) -> None:
        """Derived arrays for fast block scoring. The category affinity and the members'
        volumes come from ``saved`` (:meth:`to_arrays` output) when it holds them: worked out
        from the habits, they took 2.5 s of the 3.7 s a million members' model took to load.
        """
        started = time.perf_counter()
        w = self.discovery_weights_
        if saved is not None and "affinity_indptr" in saved:
            parts = (saved["affinity_data"], saved["affinity_indices"], saved["affinity_indptr"])
            self._affinity = sp.csr_matrix(parts, shape=tuple(saved["affinity_shape"]))
            self._volumes = saved["member_volumes"]
        else:  # a model saved before they were
            self._affinity = category_affinity(self.habits_, self.category_, self.family_, w[2:4])
            self._volumes = member_trips(self.habits_)
        self._bought = bought_matrix(self.habits_)
        # Products of unknown category read the affinity's last, empty column.
        unknown = self._affinity.shape[1] - 1
        self._category_codes = np.where(self.category_ >= 0, self.category_, unknown)
        self._popularity: dict[bytes, np.ndarray] = {}
        self._shelves: dict[bytes | None, Shelf] = {}
        self._product_offset = (
            w[1] * self.profile_.log_recent_buyers + w[4] * self.profile_.repeat_logit
        ).astype(np.float32) + np.float32(self.discovery_intercept_)
        if timings is not None:
            timings["scoring"] = time.perf_counter() - started

    def popularity(self, members: np.ndarray) -> np.ndarray:
        """Recency-weighted purchases per product by the ``members`` (a bool mask of rows).

        Kept per set of members (a segment), so serving and batch blocks pay the pass over
        every purchase once; a member's new purchases (:meth:`update_member`) reset it.
        """
        key = _digest(members)
        if key not in self._popularity:
            recent = self.habits_.matrix("recent_long")
            self._popularity[key] = np.asarray(recent[members].sum(axis=0)).ravel()
        return self._popularity[key]

    def scoring_items(self) -> np.ndarray:
        """Product side of the block product: factors plus a row of per-product offsets."""
        offset = self._product_offset[None, :]
        return np.ascontiguousarray(np.vstack([self._als.item_factors.T, offset]), np.float32)

    def shelf(self, shown: np.ndarray | None = None) -> Shelf:
        """The products ``shown`` (bool, per product; ``None``: every product) ready to score
        (:mod:`recommender.shelf`), kept per set of products until the next fit: building one
        (a copy of their factors and similarities) took longer than scoring a small block."""
        key = None if shown is None else _digest(shown)
        if key not in self._shelves:
            if len(self._shelves) >= 4:  # a channel or two, and all of them
                self._shelves.clear()
            self._shelves[key] = self._new_shelf(shown)
        return self._shelves[key]

    def _new_shelf(self, shown: np.ndarray | None) -> Shelf:
        size = self.dataset_.shape[1]
        if shown is None:
            columns = np.arange(size)
            items, similarity = self.scoring_items(), self.similarity_
        else:
            columns = np.flatnonzero(shown)
            items = np.ascontiguousarray(self.scoring_items()[:, columns])
            similarity = self.similarity_[:, columns].tocsr()
        categories = ProductGroups(self._category_codes[columns], self._affinity.shape[1])
        ids = self.dataset_.product_ids[columns]
        return Shelf(columns, ids, items, categories, similarity, size)

    @property
    def user_factors_(self) -> np.ndarray:
        """Member taste factors (members x factors)."""
        return self._als.user_factors

    @property
    def item_factors_(self) -> np.ndarray:
        """Product factors (products x factors)."""
        return self._als.item_factors

    def now_day(self, as_of=None) -> float:
        """The scoring day: ``as_of`` (a timestamp) or the day after the last purchase."""
        if as_of is None:
            return self.as_of_day_
        return pd.Timestamp(as_of).as_unit("ns").value / NANOSECONDS_PER_DAY

    def discovery_scores(
        self, rows: np.ndarray, shelf: Shelf | None = None, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Discovery log-odds of the products on ``shelf`` (default: every product) for a
        block of members (one matrix product).

        ``out``, when given, has room for at least ``len(rows)`` rows and holds the result.
        """
        shelf = self.shelf() if shelf is None else shelf
        items = shelf.items
        members = np.empty((len(rows), items.shape[0]), dtype=np.float32)
        members[:, :-1] = self._als.user_factors[rows] * np.float32(self.discovery_weights_[0])
        members[:, -1] = 1.0
        scores = np.matmul(members, items, out=None if out is None else out[: len(rows)])
        add_group_values(scores, self._affinity, rows, shelf.categories)
        weight = self.discovery_weights_[5]
        add_item_to_item(scores, self._bought, rows, shelf.similarity, weight)
        return scores

    def habit_scores(self, rows: np.ndarray, now_day: float):
        """Own products of a block of members: ``(block_index, column, log_odds, positions)``."""
        positions = ragged_positions(self.habits_.indptr, rows)
        counts = row_lengths(self.habits_.indptr, rows)
        block = np.repeat(np.arange(len(rows)), counts)
        cols = self.habits_.indices[positions]
        taste = pair_tastes(self._als.user_factors, self._als.item_factors, rows[block], cols)
        features = habit_features(
            self.habits_,
            positions,
            now_day,
            self.profile_,
            taste,
            self._volumes,
            horizon=self.horizon_days,
        )
        scores = (features @ self.habit_weights_ + self.habit_intercept_).astype(np.float32)
        return block, cols, scores, positions

    def scores(self, rows: np.ndarray, as_of=None) -> np.ndarray:
        """Log-odds of every product for a block of members, own products by habit."""
        scores = self.discovery_scores(rows)
        block, cols, habit, _ = self.habit_scores(rows, self.now_day(as_of))
        scores[block, cols] = habit
        return scores

    def update_member(self, member_id: str, purchases: pd.DataFrame) -> SelectionModel:
        """Fold a member's new purchases into their habits and tastes, without retraining.

        ``purchases`` has the transactions columns; lines of products the model does not
        know are ignored (they reach the model at the next training). A member the model has
        never seen is added.
        """
        row = self.dataset_.member_rows([member_id], missing="ignore")[0]
        if row < 0:
            row = self._add_member(str(member_id))
        lines = purchases.assign(member_id=str(member_id))
        events = self.dataset_.purchase_events(lines)
        if len(events) == 0:
            return self
        self.habits_ = self.habits_.with_member(row, events)
        # Only this member's rows change: no pass over every member (serving calls this).
        mine = self.habits_.member_habits(row)
        self._als.user_factors[row] = member_tastes(self._als, [row], confidence(mine))[0]
        w = self.discovery_weights_
        affinity = category_affinity(mine, self.category_, self.family_, w[2:4])
        self._affinity = replace_row(self._affinity, row, affinity)
        self._volumes[row] = member_trips(mine)[0]
        self._bought = bought_matrix(self.habits_)
        self._popularity = {}
        return self

    def _add_member(self, member_id: str) -> int:
        """Append an empty row for a new member; returns its row."""
        dataset = self.dataset_
        self.dataset_ = Dataset(np.append(dataset.member_ids, member_id), dataset.product_ids)
        habits = self.habits_
        self.habits_ = habits.with_new_member()
        zeros = np.zeros((1, self.factors), dtype=self._als.user_factors.dtype)
        self._als.user_factors = np.vstack([self._als.user_factors, zeros])
        self._volumes = np.append(self._volumes, 0.0)
        self._bought = bought_matrix(self.habits_)
        empty = sp.csr_matrix((1, self._affinity.shape[1]), dtype=self._affinity.dtype)
        self._affinity = sp.vstack([self._affinity, empty]).tocsr()
        self._popularity = {}
        return habits.shape[0]

    def to_arrays(self) -> dict[str, np.ndarray]:
        """Everything serving needs, as plain arrays for ``np.savez`` (no pickle)."""
        return {
            **self.dataset_.to_arrays(),
            **self.habits_.to_arrays(),
            **self.profile_.to_arrays(),
            "user_factors": self._als.user_factors,
            "item_factors": self._als.item_factors,
            "category": self.category_,
            "family": self.family_,
            "habit_weights": np.r_[self.habit_weights_, self.habit_intercept_],
            "discovery_weights": np.r_[self.discovery_weights_, self.discovery_intercept_],
            "as_of_day": np.array([self.as_of_day_]),
            "similarity_data": self.similarity_.data,
            "similarity_indices": self.similarity_.indices,
            "similarity_indptr": self.similarity_.indptr,
            "affinity_data": self._affinity.data,
            "affinity_indices": self._affinity.indices,
            "affinity_indptr": self._affinity.indptr,
            "affinity_shape": np.array(self._affinity.shape),
            "member_volumes": self._volumes,
        }

    @classmethod
    def from_arrays(cls, arrays, params: dict) -> SelectionModel:
        """Rebuild a fitted model from :meth:`to_arrays` output and its parameters."""
        model = cls(**params)
        model.dataset_ = Dataset.from_arrays(arrays)
        model.habits_ = Habits.from_arrays(arrays)
        model.profile_ = ProductProfile.from_arrays(arrays)
        model.category_, model.family_ = arrays["category"], arrays["family"]
        # Models saved before a signal existed give it no weight.
        weights = arrays["habit_weights"]
        model.habit_weights_ = _padded(weights[:-1], len(HABIT_FEATURES))
        model.habit_intercept_ = float(weights[-1])
        weights = arrays["discovery_weights"]
        model.discovery_weights_ = _padded(weights[:-1], len(DISCOVERY_FEATURES))
        model.discovery_intercept_ = float(weights[-1])
        model.as_of_day_ = float(arrays["as_of_day"][0])
        model._als = model._new_als()
        model._als.user_factors = np.array(arrays["user_factors"])
        model._als.item_factors = np.array(arrays["item_factors"])
        n = model.dataset_.shape[1]
        if "similarity_data" in arrays:
            model.similarity_ = sp.csr_matrix(
                (
                    arrays["similarity_data"],
                    arrays["similarity_indices"],
                    arrays["similarity_indptr"],
                ),
                shape=(n, n),
            )
        else:  # saved before the item-to-item signal existed
            model.similarity_ = sp.csr_matrix((n, n), dtype=np.float32)
        model._prepare_scoring(saved=arrays)
        model.timings_ = {}
        return model

    def describe(self) -> dict:
        """Metadata for the model store: data window, size, parameters, timings, weights."""
        members, products = self.dataset_.shape
        return {
            "data_window": list(getattr(self, "window_", ("", ""))),
            "members": members,
            "products": products,
            "params": self.get_params(),
            "timings_seconds": {k: round(v, 3) for k, v in self.timings_.items()},
            "weights": self.weights(),
        }

    def weights(self) -> dict[str, dict[str, float]]:
        """The learned blend weights by signal name (for metadata and reports)."""
        return {
            "habit": dict(zip(HABIT_FEATURES, map(float, self.habit_weights_), strict=True)),
            "discovery": dict(
                zip(DISCOVERY_FEATURES, map(float, self.discovery_weights_), strict=True)
            ),
        }


def _by_category(dataset: Dataset, events: pd.DataFrame, order) -> tuple[Dataset, pd.DataFrame]:
    """Products in ``order``: by category, by id within one. Scoring adds each member's
    category affinity to runs of adjacent products (``dense.add_group_values``), not product
    by product (16 of the 175 µs a member's offers took among 50,000 products)."""
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    events["col"] = position[events["col"].to_numpy()]
    return dataset.with_product_order(order), events


def _padded(weights: np.ndarray, size: int) -> np.ndarray:
    """``weights`` followed by zeros up to ``size``."""
    return np.r_[weights, np.zeros(max(size - len(weights), 0))]


def replace_row(matrix: sp.csr_matrix, row: int, new: sp.csr_matrix) -> sp.csr_matrix:
    """``matrix`` with one row replaced by the single-row ``new`` (CSR arrays spliced)."""
    new = sp.csr_matrix(new)
    start, stop = matrix.indptr[row], matrix.indptr[row + 1]
    data = np.concatenate([matrix.data[:start], new.data.astype(matrix.dtype), matrix.data[stop:]])
    indices = np.concatenate([matrix.indices[:start], new.indices, matrix.indices[stop:]])
    counts = np.diff(matrix.indptr)
    counts[row] = new.nnz
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return sp.csr_matrix((data, indices, indptr), shape=matrix.shape)


def known_member_rows(model: SelectionModel, member_ids) -> np.ndarray:
    """Rows of members with a history in the model (-1 for the others)."""
    rows = model.dataset_.member_rows(member_ids, missing="ignore")
    has_history = np.zeros(len(rows), dtype=bool)
    has_history[rows >= 0] = row_lengths(model.habits_.indptr, rows[rows >= 0]) > 0
    return np.where(has_history, rows, -1)


def _digest(mask: np.ndarray) -> bytes:
    """A short key for a bool mask (a set of members or products)."""
    return hashlib.blake2b(np.packbits(mask).tobytes(), digest_size=16).digest()
