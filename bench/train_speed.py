"""Whole ``SelectionModel.fit`` against a bare implicit ALS fit on the same matrix.

Usage: ``python bench/train_speed.py [FIXTURE_DIR]`` (default ``/tmp/fx100k``). Prints both
times and the overhead ratio (goal: at most 25%).
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default="/tmp/fx100k", type=Path)
    args = parser.parse_args()
    transactions, products = read(args.directory)
    print(f"{len(transactions):,} lines, {transactions['member_id'].nunique():,} members")

    started = time.perf_counter()
    model = SelectionModel(random_state=0).fit(transactions, products)
    whole = time.perf_counter() - started
    print("engine fit steps:", {k: round(v, 2) for k, v in model.timings_.items()})

    events = model.dataset_.purchase_events(transactions)
    user_items = confidence(Habits.from_events(events, model.dataset_.shape, model.as_of_day_))
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
        bare = time.perf_counter() - started
    print(f"bare ALS fit {bare:.2f} s, whole engine fit {whole:.2f} s")
    print(f"overhead {whole / bare - 1:+.1%} (goal <= +25%)")


if __name__ == "__main__":
    main()
