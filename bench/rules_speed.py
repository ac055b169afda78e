"""The cost of brand-fit rules: ``recommend --all`` with a realistic set of 20 rules against the
same run without rules, measured in the same process.

Usage: ``python bench/rules_speed.py [FIXTURE_DIR]`` (default ``/tmp/fx100k``; the model is
trained once and cached as in ``recommend_speed.py``). Goal: rules cost at most 30% more time.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd
from recommend_speed import trained_model
from threadpoolctl import threadpool_limits

from loyalty.brand_fit.compile import compile_rules
from loyalty.brand_fit.validation import validate_rules
from recommender.selection import recommend

EXAMPLES = Path(__file__).parent.parent / "docs" / "examples" / "brand-fit-rules.json"
MORE_RULES = [
    {"name": "Hemma Guld up", "effect": "boost", "strength": 0.2,
     "products": {"brand": "Hemma Guld"}},
    {"name": "Premium for gold members", "effect": "boost", "strength": 0.3,
     "products": {"tags": {"contains": "premium"}}, "members": {"tier": "gold"}},
    {"name": "Tech lower in the store", "effect": "bury", "strength": 0.4,
     "products": {"category": {"prefix": "Electronics"}}, "channels": ["store"]},
    {"name": "Three per category", "effect": "limit", "per": "category", "max": 3},
    {"name": "No cigarettes on the web", "effect": "exclude", "channels": ["web"],
     "products": {"category": {"prefix": "Tobacco"}}},
    {"name": "Vegan for those who like it", "effect": "promote", "share": 0.1,
     "products": {"tags": {"contains": "vegan"}}},
    {"name": "New launches up", "effect": "boost", "strength": 0.15,
     "products": {"age_days": {"lte": 42}}},
    {"name": "Cheap bulk lower", "effect": "bury", "strength": 0.1,
     "products": {"price": {"lt": 10}}},
    {"name": "Kids products for families", "effect": "boost", "strength": 0.2,
     "products": {"tags": {"contains": "kids"}}, "members": {"attr_has_kids": "true"}},
    {"name": "High margin nudge", "effect": "boost", "strength": 0.05,
     "products": {"margin_pct": {"gte": 40}}},
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("directory", nargs="?", default="/tmp/fx100k", type=Path)
    args = parser.parse_args()
    products = pd.read_csv(args.directory / "products.csv", dtype={"product_id": str})
    members = pd.read_csv(args.directory / "members.csv", dtype={"member_id": str})
    model = trained_model(args.directory, products)
    rules = validate_rules(json.loads(EXAMPLES.read_text()) + MORE_RULES)
    today = pd.Timestamp.today().normalize()
    common = {"n": 10, "products": products, "members": members, "as_of": today}
    with threadpool_limits(1, "blas"):
        started = time.perf_counter()
        plain = recommend(model, None, **common)
        bare = time.perf_counter() - started
        started = time.perf_counter()
        compiled = compile_rules(rules, products, today.date())
        kept = recommend(model, None, rules=compiled, **common)
        ruled = time.perf_counter() - started
    print(f"{model.dataset_.shape[0]:,} members, {len(rules)} rules")
    print(f"recommend --all without rules {bare:.1f} s ({len(plain):,} rows)")
    print(f"recommend --all with rules    {ruled:.1f} s ({len(kept):,} rows, compiling included)")
    print(f"rules cost {ruled / bare - 1:+.0%} (goal: at most +30%)")


if __name__ == "__main__":
    main()
