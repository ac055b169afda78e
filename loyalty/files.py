"""Reading the retailer's input files (CSV or Parquet) as raw columns, before validation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from loyalty.errors import InvalidInputError, NotFoundError, RowProblem

READERS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}


def read_table(path: Path) -> tuple[pd.DataFrame, int]:
    """Read a CSV or Parquet file, returning the rows and the line number of the first row.

    CSV cells are read as text, so that validation can report the value exactly as written;
    Parquet columns keep their types.
    """
    path = Path(path)
    if not path.is_file():
        raise NotFoundError(f"{path}: no such file")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        expected = ", ".join(sorted(READERS))
        raise InvalidInputError(str(path), [RowProblem(None, None, f"expected a {expected} file")])
    try:
        if kind == "parquet":
            return pd.read_parquet(path), 1
        # The pyarrow engine parses in parallel; every cell stays text until validated.
        return pd.read_csv(path, dtype="str", keep_default_na=False, engine="pyarrow"), 2
    except (ValueError, OSError) as error:
        problem = RowProblem(None, None, f"cannot be read as {kind}: {error}")
        raise InvalidInputError(str(path), [problem]) from None
