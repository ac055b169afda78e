"""``loyalty keys``: API keys for the web shop, the stores, marketers and administrators."""

from __future__ import annotations

import click

from loyalty.db import database
from loyalty.keys import ROLES, create_key, list_keys, revoke_key


@click.group("keys")
def keys() -> None:
    """Create, list and revoke API keys of the HTTP API."""


@keys.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True, help="What the key may do.")
@click.option("--name", required=True, help="Who uses the key, e.g. web-shop or pos-store-12.")
@click.pass_obj
def create(settings, role: str, name: str) -> None:
    """Create a key and print it on the last line: it is shown this once, never again.

    channel: read selections and offers, send events, redeem. marketer: rules, benefits,
    previews, reports, and what a channel reads. admin: imports, training, runs, keys.
    """
    with database(settings) as engine:
        key, secret = create_key(engine, name, role)
    click.echo(f"Created API key {key.key_id} {key.name!r} with role {key.role}.")
    click.echo("Store it now: only its hash is kept, it cannot be shown again.")
    click.echo(secret)


@keys.command("revoke")
@click.argument("name_or_id")
@click.pass_obj
def revoke(settings, name_or_id: str) -> None:
    """Revoke a key by name or id; servers refuse it within seconds."""
    with database(settings) as engine:
        key = revoke_key(engine, name_or_id)
    click.echo(f"Revoked API key {key.key_id} {key.name!r} at {key.revoked_at:%Y-%m-%d %H:%M:%S}.")


@keys.command("list")
@click.pass_obj
def list_command(settings) -> None:
    """List every key (never the keys themselves), revoked ones too."""
    with database(settings) as engine:
        stored = list_keys(engine)
    click.echo(f"{'id':>4}  {'name':<24} {'role':<9} {'created':<19}  revoked")
    for key in stored:
        revoked = f"{key.revoked_at:%Y-%m-%d %H:%M:%S}" if key.revoked_at else "-"
        click.echo(
            f"{key.key_id:>4}  {key.name:<24} {key.role:<9} "
            f"{key.created_at:%Y-%m-%d %H:%M:%S}  {revoked}"
        )
