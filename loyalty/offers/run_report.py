"""A run's report as one self-contained HTML file: charts a marketer reads at a glance.

Offers per journey stage and benefit type, rule hits (offers on products each rule of the
run's rule set names: an ``exclude`` for offers must show none, a ``max_discount`` shows how
many offers it capped), budget use, catalogue coverage, and the distributions of scores, face
values and expected values. Charts are inline SVG: the file opens offline in any browser.
"""

from __future__ import annotations

from datetime import datetime
from html import escape

import pandas as pd
from sqlalchemy import Engine

from loyalty.brand_fit.compile import compile_rules
from loyalty.brand_fit.store import rule_set
from loyalty.history import load_products
from loyalty.offers.store import get_campaign, get_run, run_offers
from loyalty.offers.svg import COLOURS, bars, histogram, meter

STYLE = """
body { font-family: sans-serif; margin: 2rem auto; max-width: 980px; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.figures { display: flex; gap: 1.5rem; flex-wrap: wrap; }
.figure { background: #f4f6f4; padding: .8rem 1.2rem; border-radius: 6px; }
.figure b { display: block; font-size: 1.5rem; }
table { border-collapse: collapse; } td, th { padding: .25rem .8rem; text-align: left; }
.empty { color: #777; }
"""


def run_report_html(engine: Engine, run_id: str) -> str:
    """The HTML report of run ``run_id`` (see the module docstring)."""
    run = get_run(engine, run_id)
    campaign = get_campaign(engine, run["campaign"])
    offers = run_offers(engine, run_id)
    issued = offers[~offers["holdout"].astype(bool)]
    products = load_products(engine)
    summary = run.get("summary") or {}
    coverage = issued["product_id"].nunique() / max(len(products), 1)
    figures = {
        "offers": f"{len(issued):,}",
        "members reached": f"{issued['member_id'].nunique():,}",
        "holdout members": f"{summary.get('holdout_members', 0):,}",
        "face value": f"{issued['face_value'].sum():,.2f}",
        "catalogue coverage": f"{coverage:.1%}",
    }
    sections = [
        ("Offers per journey stage", bars(_count(issued, "journey_stage"))),
        ("Offers per benefit type", bars(_count(issued, "benefit_type"), colour=COLOURS[1])),
        ("Favourites and discoveries", bars(_count(issued, "kind"), colour=COLOURS[3])),
        ("Budget use", meter(float(issued["face_value"].sum()), campaign.budget, "face value")),
        (
            "Catalogue coverage",
            meter(issued["product_id"].nunique(), len(products), "products offered"),
        ),
        (
            "Rule hits: offers on products each rule names",
            _rule_hits(engine, run, issued, products),
        ),
        ("Model scores (log-odds of a purchase)", histogram(issued["score"])),
        ("Face values", histogram(issued["face_value"], colour=COLOURS[1])),
        (
            "Expected values (chance x price)",
            histogram(issued["expected_value"], colour=COLOURS[0]),
        ),
    ]
    head = (
        f"<h1>Run {escape(run_id)}</h1><p>Campaign <b>{escape(campaign.name)}</b>, offers valid "
        f"{campaign.valid_from}..{campaign.valid_until}; generated as of {run['as_of']} with "
        f"model {escape(str(run['model_version']))} and rule set "
        f"{escape(str(run['ruleset_version'] or '-'))}; status {escape(run['status'])}.</p>"
    )
    cards = "".join(
        f"<div class='figure'>{escape(name)}<b>{value}</b></div>" for name, value in figures.items()
    )
    body = "".join(f"<h2>{escape(title)}</h2>{chart}" for title, chart in sections)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Run {escape(run_id)}</title><style>{STYLE}</style></head><body>"
        f"{head}<div class='figures'>{cards}</div>{body}"
        f"<p class='empty'>Written {datetime.now():%Y-%m-%d %H:%M}.</p></body></html>"
    )


def _count(offers: pd.DataFrame, column: str) -> dict[str, int]:
    return {str(k): int(v) for k, v in offers[column].value_counts().items()}


def _rule_hits(engine: Engine, run: dict, issued: pd.DataFrame, products) -> str:
    version = run["ruleset_version"]
    if version is None:
        return "<p class='empty'>no rule set was published when this run was made</p>"
    compiled = compile_rules(rule_set(engine, version), products, run["as_of"], version)
    offered = pd.Index(compiled.product_ids).get_indexer(issued["product_id"])
    hits = {}
    for rule in compiled.rules:
        if "offers" not in rule.rule.applies_to:
            continue
        label = f"{rule.rule.id} ({rule.rule.effect})"
        if rule.products is None:  # reads the member's history: not measured per product
            hits[label + " *"] = 0
            continue
        hits[label] = int(rule.products[offered[offered >= 0]].sum())
    note = "<p class='empty'>* depends on each member's history; not counted here</p>"
    return bars(hits, colour=COLOURS[4]) + (note if any("*" in k for k in hits) else "")
