"""``loyalty campaigns`` and ``loyalty runs``: campaigns, their runs and their reports."""

from __future__ import annotations

import json
from pathlib import Path

import click

from api.commands.options import DATE
from loyalty.clock import today
from loyalty.db import database
from loyalty.offers import store
from loyalty.offers.campaigns import make_campaign
from loyalty.offers.report import campaign_report
from loyalty.offers.run_report import run_report_html


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


COMMANDS = [campaigns, runs]
