"""``loyalty benefits``: the kinds of offer value marketers define, as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click

from loyalty.db import database
from loyalty.offers import store
from loyalty.offers.benefits import validate_benefits

JSON_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


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
