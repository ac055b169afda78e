"""Commands for brand-fit rules: validate, save drafts, publish, roll back, read history."""

from __future__ import annotations

import getpass
import json
from pathlib import Path

import click

from loyalty.brand_fit import store
from loyalty.brand_fit.validation import validate_rules
from loyalty.db import database

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
