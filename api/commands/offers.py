"""Commands for personal offers: benefits, campaigns, generating offers, redeeming them."""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import click
from tqdm import tqdm

from api.commands.exports import check_export_path, write_rows
from api.commands.options import DATE
from loyalty.clock import today
from loyalty.db import database
from loyalty.offers import store
from loyalty.offers.benefits import validate_benefits
from loyalty.offers.campaigns import make_campaign
from loyalty.offers.redemption import redeem_offer
from loyalty.offers.report import campaign_report
from loyalty.offers.run_report import run_report_html
from loyalty.status import member_count
from recommender.batch import BLOCK_MEMBERS
from recommender.campaign_runs import Generation, run_campaign
from recommender.store import ModelStore

JSON_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
EXPORT_COLUMNS = [
    "offer_id",
    "member_id",
    "product_id",
    "benefit_type",
    "benefit_value",
    "face_value",
    "valid_from",
    "valid_until",
    "channels",
    "journey_stage",
    "reason",
    "campaign",
    "run_id",
    "model_version",
    "ruleset_version",
    "rank",
    "benefit_id",
    "kind",
    "personalized",
    "expected_value",
    "score",
]


@click.group()
def benefits() -> None:
    """Benefits marketers define: discounts, points and perks, and who they suit."""


@benefits.command("validate")
@click.argument("file", type=JSON_FILE)
def validate_command(file: Path) -> None:
    """Check the benefits in FILE (one or a list) without saving anything."""
    checked = validate_benefits(file.read_text(encoding="utf-8"), source=str(file))
    click.echo(f"{file}: {len(checked)} benefit(s) valid: {', '.join(b.id for b in checked)}")


@benefits.command("add")
@click.argument("file", type=JSON_FILE)
@click.pass_obj
def add_benefits(settings, file: Path) -> None:
    """Save the benefits in FILE (one with the same id is replaced)."""
    checked = validate_benefits(file.read_text(encoding="utf-8"), source=str(file))
    with database(settings) as engine:
        outcome = store.save_benefits(engine, checked)
    for benefit_id, what in outcome.items():
        click.echo(f"{what} benefit {benefit_id}")


@benefits.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the benefits as JSON.")
@click.pass_obj
def list_benefits(settings, as_json: bool) -> None:
    """List the benefits."""
    with database(settings) as engine:
        listed = store.list_benefits(engine)
    if as_json:
        click.echo(json.dumps([b.to_json() for b in listed], indent=2))
        return
    if not listed:
        click.echo("no benefits; add some with `loyalty benefits add FILE`")
    for b in listed:
        value = f" {b.value:g}" if b.value else ""
        state = "" if b.enabled else " (disabled)"
        click.echo(
            f"{b.id}: {b.type}{value}, stages {','.join(b.stages)}, kinds {','.join(b.kinds)}, "
            f"max {b.max_per_member} per member{state}"
        )


@benefits.command("remove")
@click.argument("benefit_id")
@click.pass_obj
def remove_benefit(settings, benefit_id: str) -> None:
    """Delete a benefit (offers already made with it stay)."""
    with database(settings) as engine:
        store.remove_benefit(engine, benefit_id)
    click.echo(f"removed benefit {benefit_id}")


@click.group()
def campaigns() -> None:
    """Campaigns: budget, offers per member, validity window, holdout."""


@campaigns.command("create")
@click.argument("name")
@click.option("--budget", type=float, required=True, help="Total face value of its offers.")
@click.option("--offers-per-member", type=int, required=True, help="At most this many each.")
@click.option("--valid-from", type=DATE, required=True)
@click.option("--valid-until", type=DATE, required=True)
@click.option(
    "--holdout", type=float, default=0.05, show_default=True, help="Share of members left out."
)
@click.option("--margin-floor", type=float, help="Percent margin a discount must leave.")
@click.pass_obj
def create_campaign(
    settings, name, budget, offers_per_member, valid_from, valid_until, holdout, margin_floor
) -> None:
    """Create campaign NAME (a slug, e.g. winter-2026)."""
    campaign = make_campaign(
        {
            "name": name,
            "budget": budget,
            "offers_per_member": offers_per_member,
            "valid_from": valid_from.isoformat(),
            "valid_until": valid_until.isoformat(),
            "holdout": holdout,
            "margin_floor": margin_floor,
        }
    )
    with database(settings) as engine:
        store.create_campaign(engine, campaign)
    click.echo(
        f"campaign {name}: budget {budget:g}, {offers_per_member} offer(s) per member, "
        f"{valid_from}..{valid_until}, holdout {holdout:.0%}"
    )


@campaigns.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the campaigns as JSON.")
@click.pass_obj
def list_campaigns(settings, as_json: bool) -> None:
    """List the campaigns and their current runs."""
    with database(settings) as engine:
        listed = store.list_campaigns(engine)
    if as_json:
        click.echo(json.dumps([c.to_json() for c in listed], indent=2))
        return
    if not listed:
        click.echo("no campaigns; create one with `loyalty campaigns create NAME ...`")
    for c in listed:
        click.echo(
            f"{c.name}: budget {c.budget:g}, {c.offers_per_member} per member, "
            f"{c.valid_from}..{c.valid_until}, current run {c.current_run or '-'}"
        )


@campaigns.command("report")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.pass_obj
def report_campaign(settings, name: str, as_json: bool) -> None:
    """Issued, redeemed, spend against budget, and purchases by receivers versus holdout."""
    with database(settings) as engine:
        report = campaign_report(engine, name, today(settings))
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    click.echo(_format_report(report))


def _format_report(report: dict) -> str:
    rate = report["redemption_rate"]
    lines = [
        f"campaign {report['campaign']} ({report['valid_from']}..{report['valid_until']}), "
        f"run {report['current_run'] or '-'}",
        f"  issued      {report['issued']} offers to {report['members_reached']} members",
        f"  redeemed    {report['redeemed']}"
        + (f" ({rate:.1%} of issued)" if rate is not None else ""),
        f"  face value  {report['face_value_issued']:.2f} issued, {report['spend']:.2f} redeemed,"
        f" budget {report['budget']:.2f}",
    ]
    purchases = report.get("purchases")
    if purchases and purchases.get("window"):
        lines.append(f"  purchases of offered products, {purchases['window']}:")
        for group in ("receivers", "holdout"):
            value = purchases[f"{group}_rate"]
            shown = "-" if value is None else f"{value:.1%}"
            lines.append(f"    {group:<10} {shown} of offers")
        if purchases["uplift"] is not None:
            lines.append(f"    uplift     {purchases['uplift']:.2f}x")
    return "\n".join(lines)


@click.command("generate-offers")
@click.option("--campaign", "name", required=True, help="The campaign to generate.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    callback=check_export_path,
    help="Also write the offers to a .jsonl, .csv or .parquet file.",
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    default=1,
    show_default=True,
    help="Processes scoring blocks of members in parallel.",
)
@click.option("--resume", is_flag=True, help="Continue the campaign's interrupted run.")
@click.option(
    "--engine",
    type=click.Choice(["local", "spark"]),
    default="local",
    show_default=True,
    help="Score on this machine, or on Apache Spark (pip install 'loyalty-engine[spark]').",
)
@click.option(
    "--master", default="local[2]", show_default=True, help="Spark master URL (--engine spark)."
)
@click.option(
    "--block-members",
    type=click.IntRange(1),
    default=BLOCK_MEMBERS,
    show_default=True,
    help="Members scored together (memory grows with it; results do not change).",
)
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def generate_offers_command(
    settings, name, out, workers, resume, engine, master, block_members, quiet
) -> None:
    """Give every eligible member up to K personal offers; replaces the campaign's run.

    The run becomes current only when complete: until then the previous run keeps serving.
    The holdout gets no offer.
    """
    with database(settings) as db, _progress(settings, db, quiet or engine == "spark") as bar:
        how = Generation(
            workers=workers,
            resume=resume,
            spark_master=master if engine == "spark" else None,
            block_members=block_members,
            progress=bar,
        )
        run = run_campaign(
            db, ModelStore(settings.models_dir), name, today(settings), settings.journey, how
        )
    s = run.summary
    click.echo(
        f"run {run.run_id} is current: {s['offers']} offers to {s['members_with_offers']} of "
        f"{s['members']} members ({s['holdout_members']} in the holdout), face value "
        f"{s['face_value']:.2f} of budget {s['budget']:.2f}",
        err=out is not None,
    )
    if out is not None:
        issued = run.offers[~run.offers["holdout"]]
        write_rows(issued[EXPORT_COLUMNS], out)


@contextmanager
def _progress(settings, engine, quiet: bool):
    """A progress bar over members (members per second, time left) on standard error."""
    if quiet:
        yield None
        return
    with tqdm(total=member_count(engine), unit=" members", unit_scale=True, file=sys.stderr) as bar:
        yield bar.update


@click.group()
def offers() -> None:
    """Offers members hold: show them, redeem them."""


@offers.command("show")
@click.argument("member_id")
@click.option("--channel", type=click.Choice(["web", "store"]), help="Only what it sells.")
@click.pass_obj
def show_offers(settings, member_id: str, channel: str | None) -> None:
    """The current offers of MEMBER_ID, in every campaign."""
    with database(settings) as engine:
        held = store.current_offers(engine, member_id=member_id)
    if channel is not None:
        held = held[held["channels"].str.split(";").apply(lambda c: channel in c)]
    write_rows(held[[*EXPORT_COLUMNS, "redeemed_at"]], None)


@offers.command("redeem")
@click.argument("offer_id")
@click.option("--channel", type=click.Choice(["web", "store"]), required=True)
@click.option("--basket", "basket_id", help="The basket (receipt) it was redeemed in.")
@click.option("--on", "day", type=DATE, help="Day of redemption (default: today).")
@click.pass_obj
def redeem(settings, offer_id: str, channel: str, basket_id: str | None, day: date | None) -> None:
    """Redeem OFFER_ID once; the same redemption again changes nothing."""
    with database(settings) as engine:
        done = redeem_offer(engine, offer_id, channel, day or today(settings), basket_id)
    again = " (already recorded: nothing changed)" if done["replayed"] else ""
    click.echo(
        f"redeemed {offer_id}: {done['product_id']} for member {done['member_id']} in "
        f"{done['channel']}, face value {done['face_value']:.2f}{again}"
    )


@click.group()
def runs() -> None:
    """Runs: one generation of a campaign's offers each."""


@runs.command("list")
@click.option("--campaign", help="Only the runs of this campaign.")
@click.pass_obj
def list_runs(settings, campaign: str | None) -> None:
    """List runs, newest first."""
    with database(settings) as engine:
        listed = store.list_runs(engine, campaign)
    if not listed:
        click.echo("no runs; make one with `loyalty generate-offers --campaign NAME`")
    for run in listed:
        offers = (run["summary"] or {}).get("offers", "-")
        click.echo(
            f"{run['run_id']}: {run['status']}, as of {run['as_of']}, model "
            f"{run['model_version']}, rule set {run['ruleset_version'] or '-'}, {offers} offers"
        )


@runs.command("report")
@click.argument("run_id")
@click.option(
    "--html",
    "path",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="Write a self-contained HTML report (charts inline, opens offline) here.",
)
@click.pass_obj
def report_run(settings, run_id: str, path: Path) -> None:
    """Charts of a run: offers per stage and benefit, rule hits, budget, coverage, scores."""
    with database(settings) as engine:
        page = run_report_html(engine, run_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    click.echo(f"report of {run_id} written to {path}")


COMMANDS = [generate_offers_command]
GROUPS = [benefits, campaigns, offers, runs]
