"""The whole ``loyalty train`` against a bare implicit ALS fit on the same matrix.

Usage: ``python bench/train_speed.py DATA_DIR [--repeat N]``. ``DATA_DIR`` is a
``LOYALTY_DATA_DIR`` with the 100,000-member fixture imported (the README's steps). Times
``loyalty train`` as a user runs it (a new process: reading the database, fitting, saving the
version) and a bare ``AlternatingLeastSquares.fit`` with the same settings on the same
confidence matrix; N runs of each (default 2), interleaved, and prints the ratio of the best
of each (goal: at most 25% overhead). Single runs on this kind of machine vary by a quarter.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from implicit.als import AlternatingLeastSquares
from threadpoolctl import threadpool_limits

from loyalty.config import Settings
from loyalty.db import database
from loyalty.history import load_transactions
from recommender.dataset import PURCHASE_COLUMNS, Dataset
from recommender.habits import Habits
from recommender.model import SelectionModel
from recommender.store import ModelStore
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


def confidence_matrix(settings: Settings):
    """The engine's confidence matrix of every stored purchase (what its ALS fits)."""
    with database(settings) as engine:
        transactions = load_transactions(engine, columns=PURCHASE_COLUMNS, for_learning=True)
    dataset, events = Dataset.with_purchase_events(transactions)
    as_of = float(events["day"].max() // 1 + 1.0)
    return confidence(Habits.from_events(events, dataset.shape, as_of))


def train(data_dir: Path) -> float:
    """Seconds of ``loyalty train`` in a new process, as a user runs it."""
    command = [
        str(Path(sys.executable).with_name("loyalty")),
        "train",
        "--seed",
        "1",
        "--keep",
        "2",
    ]
    started = time.perf_counter()
    subprocess.run(command, check=True, env=os.environ | {"LOYALTY_DATA_DIR": str(data_dir)})
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--repeat", type=int, default=2, help="runs of each; the best counts")
    args = parser.parse_args()
    settings = Settings.from_env().with_overrides(data_dir=args.data_dir)
    user_items = confidence_matrix(settings)
    print(f"{user_items.shape[0]:,} members x {user_items.shape[1]:,} products")
    store = ModelStore(settings.models_dir)
    wholes, bares = [], []
    for _ in range(args.repeat):  # interleaved, so that both see the same machine
        wholes.append(train(args.data_dir))
        metadata = store.directory / store.current_version() / "metadata.json"
        details = json.loads(metadata.read_text())
        print(f"reading the database {details['load_seconds']} s;", end=" ")
        print("fit steps:", details["timings_seconds"])
        bares.append(bare_fit(SelectionModel(**details["params"]), user_items))
        print(f"bare ALS fit {bares[-1]:.2f} s, whole loyalty train {wholes[-1]:.2f} s")
    whole, bare = min(wholes), min(bares)
    print(f"best of {args.repeat}: bare ALS fit {bare:.2f} s, whole loyalty train {whole:.2f} s")
    print(f"overhead {whole / bare - 1:+.1%} (goal <= +25%)")


if __name__ == "__main__":
    main()
