"""Whole ``SelectionModel.fit`` against a bare implicit ALS fit on the same matrix.

Usage: ``python bench/train_speed.py [FIXTURE_DIR] [--repeat N]`` (default ``/tmp/fx100k``,
2 runs). Runs both N times, interleaved, and prints each time, then the ratio of the best of
each (goal: at most 25% overhead); single runs on this kind of machine vary by a quarter.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
from implicit.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits

from recommender.habits import Habits
from recommender.model import SelectionModel
from recommender.taste import confidence


def read(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transactions and products of a fixture directory."""
    transactions = pd.read_csv(
        directory / "transactions.csv",
        usecols=["member_id", "product_id", "timestamp", "quantity", "amount", "channel"],
        dtype={"member_id": str, "product_id": str},
        engine="pyarrow",
    )
    transactions["timestamp"] = pd.to_datetime(transactions["timestamp"])
    products = pd.read_csv(directory / "products.csv", dtype={"product_id": str})
    return transactions, products


def bare_fit(model: SelectionModel, user_items) -> float:
    """Seconds of a bare implicit ALS fit with the engine's settings."""
    with threadpool_limits(1, "blas"):
        bare_model = AlternatingLeastSquares(
            factors=model.factors,
            regularization=model.regularization,
            alpha=model.alpha,
            iterations=model.iterations,
            random_state=0,
        )
        started = time.perf_counter()
        bare_model.fit(user_items, show_progress=False)
        return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default="/tmp/fx100k", type=Path)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best counts")
    args = parser.parse_args()
    transactions, products = read(args.directory)
    print(f"{len(transactions):,} lines, {transactions['member_id'].nunique():,} members")

    wholes, bares = [], []
    for _ in range(args.repeat):  # interleaved, so that both see the same machine
        started = time.perf_counter()
        model = SelectionModel(random_state=0).fit(transactions, products)
        wholes.append(time.perf_counter() - started)
        print("engine fit steps:", {k: round(v, 2) for k, v in model.timings_.items()})
        events = model.dataset_.purchase_events(transactions)
        habits = Habits.from_events(events, model.dataset_.shape, model.as_of_day_)
        bares.append(bare_fit(model, confidence(habits)))
        print(f"bare ALS fit {bares[-1]:.2f} s, whole engine fit {wholes[-1]:.2f} s")
    whole, bare = min(wholes), min(bares)
    print(f"best of {args.repeat}: bare ALS fit {bare:.2f} s, whole engine fit {whole:.2f} s")
    print(f"overhead {whole / bare - 1:+.1%} (goal <= +25%)")


if __name__ == "__main__":
    main()
