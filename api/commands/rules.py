"""Commands for brand-fit rules: validate, save drafts, publish, roll back, read history, and
preview a draft on one member or see its impact on a sample of members before publishing."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from loyalty.brand_fit import store
from loyalty.brand_fit.validation import validate_rules
from loyalty.clock import today
from loyalty.db import database
from loyalty.errors import LoyaltyError, NotFoundError
from loyalty.history import load_products
from recommender.errors import ModelNotFoundError
from recommender.rule_preview import RulePreview
from recommender.store import ModelStore

RULES_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _author(_ctx, _param, value: str | None) -> str:
    return value or getpass.getuser()


AUTHOR = click.option(
    "--author", callback=_author, help="Who publishes (default: the logged-in user)."
)


@click.group()
def rules() -> None:
    """Brand-fit rules: write them as JSON, save drafts, publish numbered rule sets."""


def _read(file: Path):
    return validate_rules(file.read_text(encoding="utf-8"), source=str(file))


@rules.command()
@click.argument("file", type=RULES_FILE)
def validate(file: Path) -> None:
    """Check the rules in FILE (one rule or a list) without saving anything."""
    checked = _read(file)
    click.echo(f"{file}: {len(checked)} rule(s) valid: {', '.join(r.id for r in checked)}")


@rules.command()
@click.argument("file", type=RULES_FILE)
@click.pass_obj
def add(settings, file: Path) -> None:
    """Save the rules in FILE as drafts (a draft with the same id is replaced)."""
    checked = _read(file)
    with database(settings) as engine:
        outcome = store.add_drafts(engine, checked)
    for rule_id, what in outcome.items():
        click.echo(f"{what} draft {rule_id}")
    click.echo("drafts reach members only after `loyalty rules publish`")


@rules.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the rules as JSON.")
@click.pass_obj
def list_command(settings, as_json: bool) -> None:
    """List the draft rules and how each differs from the current rule set."""
    with database(settings) as engine:
        listed = store.list_drafts(engine)
    if as_json:
        rows = [{"status": d.status, **d.rule.to_json()} for d in listed]
        click.echo(json.dumps(rows, indent=2))
        return
    if not listed:
        click.echo("no draft rules; add some with `loyalty rules add FILE`")
    for d in listed:
        rule = d.rule
        click.echo(f"{d.status:<9} {rule.priority:>5}  {rule.effect:<12} {rule.id}  ({rule.name})")


@rules.command()
@click.argument("rule_id", metavar="ID")
@click.pass_obj
def remove(settings, rule_id: str) -> None:
    """Remove the draft rule ID."""
    with database(settings) as engine:
        store.remove_draft(engine, rule_id)
    click.echo(f"removed draft {rule_id}")


@rules.command()
@click.option("--note", required=True, help="What changed and why.")
@AUTHOR
@click.pass_obj
def publish(settings, note: str, author: str) -> None:
    """Publish the drafts as a new numbered rule set; it becomes current at once."""
    with database(settings) as engine:
        version = store.publish(engine, note=note, author=author)
    click.echo(f"published rule set {version}")


@rules.command()
@click.argument("version", type=int)
@click.option("--note", default="", help="Why (default: 'rollback to rule set VERSION').")
@AUTHOR
@click.pass_obj
def rollback(settings, version: int, note: str, author: str) -> None:
    """Publish rule set VERSION's rules again, as a new number."""
    with database(settings) as engine:
        new_version = store.rollback(engine, version, author=author, note=note)
    click.echo(f"published rule set {new_version} (the rules of rule set {version})")


@rules.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_obj
def history(settings, as_json: bool) -> None:
    """Show every published rule set, newest first."""
    with database(settings) as engine:
        published = store.history(engine)
    rows = [
        {
            "version": s.version,
            "published_at": s.published_at.isoformat(sep=" ", timespec="seconds"),
            "author": s.author,
            "note": s.note,
            "rules": s.rules,
            "current": s.current,
            "rolled_back_from": s.rolled_back_from,
        }
        for s in published
    ]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    if not rows:
        click.echo("no rule set published yet")
    for row in rows:
        mark = "*" if row["current"] else " "
        click.echo(
            f"{mark} {row['version']:>4}  {row['published_at']}  {row['author']:<12} "
            f"{row['rules']:>3} rule(s)  {row['note']}"
        )


DRAFT = click.option(
    "--draft",
    "draft_file",
    type=RULES_FILE,
    help="Preview the rules in this file instead of the drafts in the database.",
)
CHANNEL = click.option(
    "--channel", type=click.Choice(["web", "store"]), default="web", show_default=True
)
LENGTH = click.option("--n", type=click.IntRange(1, 1000), default=10, show_default=True)
AS_JSON = click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")


@rules.command()
@click.argument("member_id")
@DRAFT
@CHANNEL
@LENGTH
@AS_JSON
@click.pass_obj
def preview(settings, member_id: str, draft_file, channel: str, n: int, as_json: bool) -> None:
    """MEMBER_ID's selection with the published rules and with the draft, side by side."""
    context = _load(settings, draft_file)
    if member_id not in set(context.members["member_id"].astype(str)):
        raise NotFoundError(f"unknown member: {member_id}; see `loyalty status`")
    report = context.member_report(member_id, channel, n)
    click.echo(json.dumps(report, indent=2) if as_json else _preview_text(report))


@rules.command()
@DRAFT
@click.option(
    "--sample", type=click.IntRange(1), default=1000, show_default=True, help="Members compared."
)
@CHANNEL
@LENGTH
@AS_JSON
@click.pass_obj
def impact(settings, draft_file, sample: int, channel: str, n: int, as_json: bool) -> None:
    """What the draft would change, against the published rules, on a sample of members."""
    report = _load(settings, draft_file).impact_report(sample, channel, n)
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    for key, value in report.items():
        if key != "removed_by_rule":
            click.echo(f"{key:>20}: {value}")
    click.echo(f"{'removed_by_rule':>20}:")
    for rule_id, count in report["removed_by_rule"].items():
        click.echo(f"{count:>20}  {rule_id}")


def _load(settings, draft_file: Path | None) -> RulePreview:
    """The newest saved model, every member, and the draft in ``draft_file`` (default: the
    saved drafts) against the current rule set."""
    try:
        model = ModelStore(settings.models_dir).load()
    except ModelNotFoundError:
        raise LoyaltyError("no trained model yet: run loyalty train first") from None
    drafted = _read(draft_file) if draft_file is not None else None
    with database(settings) as engine:
        products = load_products(engine)
        return RulePreview.load(
            engine, model, products, today(settings), drafted, journey=settings.journey
        )


def _preview_text(report: dict) -> str:
    published = [row["product_id"] for row in report["published"]]
    draft = [row["product_id"] for row in report["draft"]]
    version = report["published_rule_set"]
    lines = [
        f"member {report['member_id']}, channel {report['channel']}",
        f"{'rank':>4}  {f'published (rule set {version})':<28}  draft",
    ]
    for rank in range(max(len(published), len(draft))):
        before = published[rank] if rank < len(published) else "-"
        after = draft[rank] if rank < len(draft) else "-"
        lines.append(f"{rank + 1:>4}  {before:<28}  {after}")
    lines.append("changes by the draft:" if report["changes"] else "the draft changes nothing")
    for change in report["changes"]:
        rule = f" by rule {change['rule_id']}" if change["rule_id"] else ""
        lines.append(f"  {change['product_id']}: {change['change']}{rule}")
    return "\n".join(lines)
