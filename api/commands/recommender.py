"""``loyalty train``, ``recommend`` and ``evaluate``: the engine on the stored data."""

from __future__ import annotations

import json
import time
from datetime import date
from pathlib import Path

import click
import pandas as pd

from api.commands.exports import check_export_path, write_rows
from api.commands.options import DATE
from loyalty.brand_fit.compile import compile_current
from loyalty.clock import end_of_today, today
from loyalty.db import database
from loyalty.errors import NotFoundError
from loyalty.events import last_event_id
from loyalty.history import load_members, load_products, load_transactions
from recommender.dataset import PURCHASE_COLUMNS
from recommender.evaluation import evaluate, format_report
from recommender.model import SelectionModel
from recommender.selection import recommend
from recommender.store import ModelStore


@click.command("train")
@click.option("--factors", type=click.IntRange(1, 1024), default=64, show_default=True)
@click.option("--iterations", type=click.IntRange(1, 200), default=15, show_default=True)
@click.option("--regularization", type=click.FloatRange(min=0), default=0.05, show_default=True)
@click.option(
    "--alpha",
    type=click.FloatRange(min=0),
    default=5.0,
    show_default=True,
    help="ALS confidence scale (implicit's alpha).",
)
@click.option(
    "--seed", type=int, default=None, help="Fix the random state (same data, same model)."
)
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="Model versions kept; older ones are pruned (never the current one).",
)
@click.pass_obj
def train(settings, factors, iterations, regularization, alpha, seed, keep) -> None:
    """Learn a model from every purchase up to today and make it the current version."""
    started = time.perf_counter()
    with database(settings) as engine:
        # Purchase events after this one are folded in by serving (see loyalty.events).
        events_through = last_event_id(engine)
        transactions = load_transactions(
            engine, until=end_of_today(settings), columns=PURCHASE_COLUMNS, for_learning=True
        )
        products = load_products(engine)
    loaded = time.perf_counter() - started
    model = SelectionModel(
        factors=factors,
        iterations=iterations,
        regularization=regularization,
        alpha=alpha,
        random_state=seed,
    ).fit(transactions, products)
    store = ModelStore(settings.models_dir)
    version = store.save(
        model,
        {
            "trained_on": today(settings).isoformat(),
            "load_seconds": round(loaded, 2),
            "events_through": events_through,
        },
    )
    store.prune(keep)
    members, catalogue = model.dataset_.shape
    click.echo(
        f"model {version} is current: {members} members x {catalogue} products from "
        f"{len(transactions)} purchase lines, {time.perf_counter() - started:.1f} s"
    )


@click.command("recommend")
@click.argument("member_ids", nargs=-1)
@click.option("--all", "all_members", is_flag=True, help="Every member.")
@click.option("--n", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--channel", type=click.Choice(["web", "store"]), help="Only what it sells.")
@click.option("--only-new", is_flag=True, help="Leave out everything the member ever bought.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    callback=check_export_path,
    help="Write to a .jsonl, .csv or .parquet file instead of standard output.",
)
@click.pass_obj
def recommend_command(settings, member_ids, all_members, n, channel, only_new, out) -> None:
    """Each member's curated selection: member_id, rank, product_id, score, kind, reason.

    The current published brand-fit rule set applies (its number is in ruleset_version).

    Members without history or without consent to personalisation get the products popular in
    their segment, marked personalized=false.
    """
    if bool(member_ids) == all_members:
        raise click.UsageError("name one or more MEMBER_IDs, or give --all")
    model = ModelStore(settings.models_dir).load()
    with database(settings) as engine:
        products, members = load_products(engine), load_members(engine)
        rules = compile_current(engine, products, today(settings))
    unknown = sorted(set(member_ids) - set(members["member_id"]))
    if unknown:
        raise NotFoundError(f"unknown member(s): {', '.join(unknown[:10])}")
    selection = recommend(
        model,
        list(member_ids) or None,
        n=n,
        channel=channel,
        only_new=only_new,
        products=products,
        members=members,
        rules=rules,
        as_of=pd.Timestamp(today(settings)),
        journey=settings.journey,
    )
    write_rows(selection.round({"score": 4}), out)


@click.command("evaluate")
@click.option(
    "--cutoff",
    type=DATE,
    required=True,
    help="Train on purchases before this day, test on the ones from it on.",
)
@click.option("--k", type=click.IntRange(1, 100), default=10, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def evaluate_command(settings, cutoff: date, k: int, as_json: bool) -> None:
    """Replay history: the engine against most popular, buy-again and item-to-item."""
    with database(settings) as engine:
        transactions = load_transactions(
            engine, until=end_of_today(settings), columns=PURCHASE_COLUMNS
        )
        products, members = load_products(engine), load_members(engine)
    report = evaluate(transactions, products, members, cutoff=pd.Timestamp(cutoff), k=k)
    click.echo(json.dumps(report, indent=2, default=str) if as_json else format_report(report))


COMMANDS = [train, recommend_command, evaluate_command]
