"""Import speed: `loyalty import transactions` against a bare `pandas.read_csv` of the same file.

    python bench/import_speed.py [FIXTURE_DIR] [--postgres]

FIXTURE_DIR holds members.csv, products.csv and transactions.csv, for example from
`loyalty fixtures generate --members 100000 --products 20000 --out data/fx100k`. Prints rows
per second and the ratio of the import's time to the parse's, both measured in this run.
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from loyalty.config import Settings
from loyalty.db import database
from loyalty.ingest import import_file

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def timed(action):
    start = time.perf_counter()
    result = action()
    return result, time.perf_counter() - start


def bench(folder: Path, settings: Settings, label: str) -> None:
    transactions = folder / "transactions.csv"
    frame, parse_seconds = timed(lambda: pd.read_csv(transactions))
    rows = len(frame)
    del frame
    with database(settings) as engine:
        for kind in ("members", "products"):
            import_file(engine, kind, folder / f"{kind}.csv")
        _, import_seconds = timed(lambda: import_file(engine, "transactions", transactions))
        again, reimport_seconds = timed(lambda: import_file(engine, "transactions", transactions))
    print(f"[{label}] {rows:,} transaction lines")
    print(
        f"  pandas.read_csv           {parse_seconds:8.1f} s  {rows / parse_seconds:12,.0f} rows/s"
    )
    print(
        f"  loyalty import (new)      {import_seconds:8.1f} s"
        f"  {rows / import_seconds:12,.0f} rows/s"
        f"  ratio {import_seconds / parse_seconds:.1f}x the parse"
    )
    print(
        f"  loyalty import (again)    {reimport_seconds:8.1f} s  "
        f"{again.rows_written} written  ratio {reimport_seconds / parse_seconds:.1f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", nargs="?", type=Path, default=Path("data/fx100k"))
    parser.add_argument("--postgres", action="store_true", help="also measure PostgreSQL")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        bench(args.folder, Settings(data_dir=Path(scratch)), "SQLite")
    if args.postgres:
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        server = sa.create_engine(POSTGRES)
        with server.begin() as connection:
            connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
        try:
            url = f"{POSTGRES}?options=-csearch_path%3D{schema}"
            bench(args.folder, Settings(database_url=url), "PostgreSQL")
        finally:
            with server.begin() as connection:
                connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))


if __name__ == "__main__":
    main()
