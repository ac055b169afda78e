"""Offline evaluation: train before a cutoff, compare with the baselines after it.

Members evaluated are those who bought both before and after the cutoff. Two views:

* ``next``: truth is every product the member bought after the cutoff; lists may hold the
  member's own products.
* ``discovery``: truth and lists hold only products new to the member (never bought before
  the cutoff); members without such a purchase are left out of this view.

Baselines' own settings (buy-again's half-life, item-to-item's input) are chosen on a split
*inside* the training window, never on the test truth.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from recommender.baselines import BuyAgain, ItemToItem, MostPopular
from recommender.dataset import Dataset, to_days
from recommender.errors import EmptyHistoryError
from recommender.habits import Habits
from recommender.metrics import hits_of, summary
from recommender.model import SelectionModel
from recommender.ranking import mask_own, top_k

BLOCK = 1024
HALF_LIFE_GRID_DAYS = (7.0, 14.0, 28.0, 56.0, 112.0, 224.0, 448.0)
VIEWS = ("next", "discovery")


@dataclass
class Holdout:
    """A time split: what the recommenders learn from and the truth they are scored on."""

    dataset: Dataset
    events: pd.DataFrame
    habits: Habits
    rows: dict[str, np.ndarray]
    truth_keys: dict[str, np.ndarray]
    relevant: dict[str, np.ndarray]
    catalogue_size: int

    @classmethod
    def at(cls, transactions: pd.DataFrame, cutoff, catalogue_size: int | None = None) -> Holdout:
        """Split ``transactions`` at ``cutoff`` (a date or timestamp)."""
        cutoff = pd.Timestamp(cutoff)
        before = transactions[transactions["timestamp"] < cutoff]
        after = transactions[transactions["timestamp"] >= cutoff]
        if len(before) == 0 or len(after) == 0:
            raise EmptyHistoryError(f"no transactions on one side of the cutoff {cutoff.date()}")
        dataset, events = Dataset.with_purchase_events(before)
        habits = Habits.from_events(events, dataset.shape, float(to_days([cutoff])[0]))
        # Products first seen after the cutoff get columns past the training catalogue: they
        # count in the truth but no recommender can name them.
        later = after.assign(row=dataset.member_rows(after["member_id"], missing="ignore"))
        later = later[later["row"] >= 0]
        known = dataset.product_columns(later["product_id"], missing="ignore")
        unseen = pd.factorize(later["product_id"].astype(str))[0] + dataset.shape[1]
        cols = np.where(known >= 0, known, unseen)
        n_columns = int(cols.max()) + 1
        keys = np.unique(later["row"].to_numpy(np.int64) * n_columns + cols)
        own = habits.matrix("trips")
        bought_before = own[keys // n_columns, np.minimum(keys % n_columns, own.shape[1] - 1)]
        is_new = (np.asarray(bought_before).ravel() == 0) | (keys % n_columns >= own.shape[1])
        truth = {"next": keys, "discovery": keys[is_new]}
        rows, relevant = {}, {}
        for view, view_keys in truth.items():
            rows[view], relevant[view] = np.unique(view_keys // n_columns, return_counts=True)
        holdout = cls(dataset, events, habits, rows, truth, relevant, catalogue_size or 0)
        holdout.n_columns = n_columns
        holdout.catalogue_size = catalogue_size or dataset.shape[1]
        return holdout

    def lists(self, score_block, view: str, k: int) -> np.ndarray:
        """Top-k columns for the view's members, scoring ``BLOCK`` members at a time."""
        own = self.habits.matrix("trips")
        blocks = []
        for start in range(0, len(self.rows[view]), BLOCK):
            rows = self.rows[view][start : start + BLOCK]
            scores = np.asarray(score_block(rows), dtype=np.float32)
            if view == "discovery":
                mask_own(scores, own, rows)
            blocks.append(top_k(scores, k)[0])
        return np.concatenate(blocks) if blocks else np.empty((0, k), dtype=np.int64)

    def report(self, score_block, view: str, k: int) -> dict:
        """Metrics of one recommender (a function of a block of rows) in one view."""
        started = time.perf_counter()
        if len(self.rows[view]) == 0:
            return dict.fromkeys(("precision", "recall", "ndcg", "map", "coverage"), 0.0) | {
                "members": 0,
                "seconds": 0.0,
            }
        lists = self.lists(score_block, view, k)
        hits = hits_of(lists, self.rows[view], self.truth_keys[view], self.n_columns)
        figures = summary(hits, self.relevant[view], lists, self.catalogue_size)
        figures["seconds"] = time.perf_counter() - started
        return figures


def tuned_baselines(transactions: pd.DataFrame, cutoff, k: int, validation_days: float = 28.0):
    """Buy-again and item-to-item with settings chosen on the last weeks before ``cutoff``."""
    cutoff = pd.Timestamp(cutoff)
    inner_cut = cutoff - pd.Timedelta(days=validation_days)
    inner = Holdout.at(transactions[transactions["timestamp"] < cutoff], inner_cut)
    half_life = max(
        HALF_LIFE_GRID_DAYS,
        key=lambda h: inner.report(BuyAgain(h).fit(inner.events, inner.habits).score, "next", k)[
            "ndcg"
        ],
    )
    binary = max(
        (True, False),
        key=lambda b: np.mean(
            [
                inner.report(ItemToItem(binary=b).fit(inner.habits).score, v, k)["ndcg"]
                for v in VIEWS
            ]
        ),
    )
    return {"buy_again_half_life_days": half_life, "item_to_item_binary": binary}


def baseline_scorers(holdout: Holdout, settings: dict) -> dict:
    """The three fitted baselines as block-scoring functions."""
    habits = holdout.habits
    return {
        "most_popular": MostPopular().fit(habits).score,
        "buy_again": BuyAgain(settings["buy_again_half_life_days"])
        .fit(holdout.events, habits)
        .score,
        "item_to_item": ItemToItem(binary=settings["item_to_item_binary"]).fit(habits).score,
    }


def evaluate(
    transactions: pd.DataFrame,
    products: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
    cutoff=None,
    k: int = 10,
    model_params: dict | None = None,
) -> dict:
    """Train on what came before ``cutoff`` and compare the engine with the baselines.

    Parameters
    ----------
    transactions, products, members : DataFrame
        The retailer's data (``members`` is accepted for symmetry; every member with
        purchases on both sides is evaluated, consent is a serving matter).
    cutoff : date-like
        Start of the test period; default: 13 weeks before the last transaction.
    k : int
        List length.
    model_params : dict, optional
        :class:`~recommender.model.SelectionModel` parameters (defaults otherwise).

    Returns
    -------
    dict with ``cutoff, k, members, baseline_settings, timings`` and ``results[view][name]``
    holding ``precision, recall, ndcg, map, coverage, members`` for ``engine`` and the
    baselines, plus ``goals`` (the issue's targets, met or not).
    """
    last = transactions["timestamp"].max()
    cutoff = (
        pd.Timestamp(cutoff) if cutoff is not None else (last - pd.Timedelta(weeks=13)).normalize()
    )
    catalogue = len(products) if products is not None else None
    holdout = Holdout.at(transactions, cutoff, catalogue_size=catalogue)
    timings = {}
    started = time.perf_counter()
    settings = tuned_baselines(transactions, cutoff, k)
    scorers = baseline_scorers(holdout, settings)
    timings["baselines"] = time.perf_counter() - started
    started = time.perf_counter()
    before = transactions[transactions["timestamp"] < cutoff]
    model = SelectionModel(**(model_params or {})).fit(before, products)
    timings["engine_fit"] = time.perf_counter() - started
    scorers = {"engine": _in_order_of(holdout.dataset, model), **scorers}
    # Buy-again has nothing to say about new products (it would be most-popular again).
    results = {
        view: {
            name: holdout.report(score, view, k)
            for name, score in scorers.items()
            if not (view == "discovery" and name == "buy_again")
        }
        for view in VIEWS
    }
    return {
        "cutoff": str(cutoff.date()),
        "k": k,
        "baseline_settings": settings,
        "engine_weights": model.weights(),
        "timings": timings,
        "results": results,
        "goals": goals(results),
    }


def _in_order_of(dataset: Dataset, model: SelectionModel):
    """The engine's scores with ``dataset``'s rows and columns: the model orders its
    products by category, the holdout by id."""
    rows = model.dataset_.member_rows(dataset.member_ids)
    columns = model.dataset_.product_columns(dataset.product_ids)
    return lambda block: model.scores(rows[block])[:, columns]


def goals(results: dict) -> dict[str, bool]:
    """The issue's targets: +10% NDCG/precision over the strongest baselines, coverage."""
    nxt, new = results["next"], results["discovery"]
    return {
        "next_ndcg_10pct_over_buy_again": nxt["engine"]["ndcg"] >= 1.1 * nxt["buy_again"]["ndcg"],
        "next_precision_10pct_over_buy_again": nxt["engine"]["precision"]
        >= 1.1 * nxt["buy_again"]["precision"],
        "next_coverage_at_least_buy_again": nxt["engine"]["coverage"]
        >= nxt["buy_again"]["coverage"],
        "discovery_ndcg_10pct_over_popular_and_item_to_item": new["engine"]["ndcg"]
        >= 1.1 * max(new["most_popular"]["ndcg"], new["item_to_item"]["ndcg"]),
        "discovery_coverage_3pct": new["engine"]["coverage"] >= 0.03,
    }


def format_report(report: dict) -> str:
    """The comparison as a plain-text table."""
    lines = [f"cutoff {report['cutoff']}, k={report['k']}, baselines {report['baseline_settings']}"]
    header = f"{'view':<10} {'recommender':<13}" + "".join(
        f"{m:>10}" for m in ("precision", "recall", "ndcg", "map", "coverage", "members")
    )
    lines.append(header)
    for view, rows in report["results"].items():
        for name, row in rows.items():
            figures = "".join(
                f"{row[m]:>10.4f}" for m in ("precision", "recall", "ndcg", "map", "coverage")
            )
            lines.append(f"{view:<10} {name:<13}{figures}{row['members']:>10d}")
    lines += [
        f"goal {name}: {'met' if met else 'NOT met'}" for name, met in report["goals"].items()
    ]
    return "\n".join(lines)
