"""Writing rows (selections, later offers) to the file a user names: JSON Lines, CSV or Parquet."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import pandas as pd

FORMATS = (".jsonl", ".csv", ".parquet")


def check_export_path(ctx, param, value: Path | None) -> Path | None:
    """Click callback: refuse an ``--out`` whose suffix names no format we write."""
    if value is not None and value.suffix.lower() not in FORMATS:
        raise click.BadParameter(f"{value}: expected a file ending in {', '.join(FORMATS)}")
    return value


def write_rows(rows: pd.DataFrame, path: Path | None) -> None:
    """Write ``rows`` to ``path`` by its suffix, or as CSV to standard output when it is None."""
    if path is None:
        rows.to_csv(sys.stdout, index=False)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    suffix = path.suffix.lower()
    if suffix == ".jsonl":
        rows.to_json(path, orient="records", lines=True, date_format="iso")
    elif suffix == ".csv":
        rows.to_csv(path, index=False)
    else:
        rows.to_parquet(path, index=False)
    click.echo(f"{len(rows)} rows written to {path}", err=True)
