"""``loyalty fixtures``: synthetic retailer data for demos, tests and benchmarks."""

from __future__ import annotations

from pathlib import Path

import click

from api.commands.options import DATE
from loyalty.clock import today


@click.group()
def fixtures() -> None:
    """Synthetic data of a Nordic grocery and general-merchandise retailer."""


@fixtures.command("generate")
@click.option("--members", type=click.IntRange(min=1), default=5000, show_default=True)
@click.option("--products", type=click.IntRange(min=50), default=2000, show_default=True)
@click.option("--seed", type=int, default=7, show_default=True)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="Output folder.")
@click.option(
    "--until",
    type=DATE,
    help="Last day of the history. Default: the engine's today (--as-of).",
)
@click.option("--years", type=click.FloatRange(min=0.25, max=20), default=2.0, show_default=True)
@click.pass_obj
def generate_command(settings, members, products, seed, out, until, years) -> None:
    """Write members.csv, products.csv and transactions.csv to OUT.

    The same seed, sizes and --until always give byte-identical files.
    """
    from fixtures.generator import generate, write  # pandas-heavy; only this command needs it

    data = generate(members, products, seed, until or today(settings), years)
    for kind, path in write(data, out).items():
        click.echo(f"{kind}: {path}")
