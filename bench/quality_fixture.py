"""Engine against the three baselines on a synthetic fixture directory (CSV files).

Usage: ``python bench/quality_fixture.py [DIR] [--cutoff DATE] [--k 10] [--json]``; the
default cutoff is 13 weeks before the last transaction.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

from recommender.evaluation import evaluate, format_report


def read_fixture(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Transactions, products and members of a fixture directory."""
    transactions = pd.read_csv(
        directory / "transactions.csv",
        dtype={"member_id": str, "product_id": str},
        parse_dates=["timestamp"],
    )
    products = pd.read_csv(directory / "products.csv", dtype={"product_id": str})
    members = pd.read_csv(directory / "members.csv", dtype={"member_id": str})
    return transactions, products, members


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default="/tmp/fx5k", type=Path)
    parser.add_argument("--cutoff")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    transactions, products, members = read_fixture(args.directory)
    report = evaluate(transactions, products, members, cutoff=args.cutoff, k=args.k)
    print(json.dumps(report, indent=2) if args.json else format_report(report))


if __name__ == "__main__":
    main()
