"""Whole-column validation of input files against the row schemas of ``loyalty.formats``.

Checking millions of transaction lines one marshmallow ``load`` at a time would cost minutes,
so each marshmallow field is translated into one vectorised pandas check. The schema stays
the single definition of a valid row; ``tests/loyalty/test_validation.py`` keeps both in
agreement.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from marshmallow import Schema, fields

from loyalty.errors import InvalidInputError, RowProblem
from loyalty.formats import ATTRIBUTE_PREFIX, ItemList
from loyalty.validation_fields import Checked, check_field

MAX_PROBLEMS_SHOWN = 20


def validate_frame(
    frame: pd.DataFrame, schema: Schema, source: str, *, first_line: int = 2
) -> pd.DataFrame:
    """Check every row of ``frame`` and return it typed, with defaults filled in.

    Parameters
    ----------
    frame
        Raw rows, as read from the file (strings or typed columns).
    schema
        The row schema, for example ``TransactionRow()``.
    source
        File name used in error messages.
    first_line
        Line number of the first row (2 for a CSV file with a header line).

    Raises
    ------
    InvalidInputError
        Naming line, column, what was expected and what was found, for every bad value.
    """
    _check_columns(frame, schema, source)
    typed: dict[str, pd.Series] = {}
    problems: list[tuple[np.ndarray, str, str, pd.Series]] = []
    for name, field in schema.fields.items():
        if name not in frame.columns:
            typed[name] = _default_column(field, len(frame), frame.index)
            continue
        checked = check_field(frame[name], field)
        typed[name] = checked.values
        _collect(problems, checked, name)
    if problems:
        raise _invalid(problems, source, first_line)
    result = pd.DataFrame(typed, index=frame.index)
    attribute_columns = [c for c in frame.columns if c.startswith(ATTRIBUTE_PREFIX)]
    if attribute_columns:
        result["attributes"] = _attributes(frame[attribute_columns])
    return result


def _check_columns(frame: pd.DataFrame, schema: Schema, source: str) -> None:
    required = [name for name, field in schema.fields.items() if field.required]
    missing = [name for name in required if name not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "no columns"
        raise InvalidInputError(
            source,
            [
                RowProblem(1, name, f"required column is missing (the file has: {found})")
                for name in missing
            ],
        )


def _collect(problems: list, checked: Checked, name: str) -> None:
    for mask, expectation in checked.failures:
        if mask.any():
            problems.append((np.flatnonzero(mask), name, expectation, checked.raw))


def _invalid(problems: list, source: str, first_line: int) -> InvalidInputError:
    total = sum(len(rows) for rows, *_ in problems)
    shown: list[RowProblem] = []
    for rows, column, expectation, raw in problems:
        for row in rows[:MAX_PROBLEMS_SHOWN]:
            got = raw.iloc[row]
            got_text = "nothing" if _is_blank(got) else repr(str(got))
            shown.append(
                RowProblem(int(row) + first_line, column, f"{expectation}, got {got_text}")
            )
    shown.sort(key=lambda p: (p.line or 0, p.column or ""))
    return InvalidInputError(source, shown[:MAX_PROBLEMS_SHOWN], total=total)


def _is_blank(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or str(value) == ""


def _default_column(field: fields.Field, length: int, index: pd.Index) -> pd.Series:
    default = field.load_default
    value = default() if callable(default) else default
    if isinstance(field, ItemList):
        return pd.Series([list(value)] * length, index=index, dtype=object)
    return pd.Series([value] * length, index=index)


def _attributes(columns: pd.DataFrame) -> pd.Series:
    """Custom ``attr_*`` columns as one dict per row, blanks left out."""
    names = [c[len(ATTRIBUTE_PREFIX) :] for c in columns.columns]
    records = columns.astype(object).where(columns.notna(), None).to_numpy()
    return pd.Series(
        [
            {n: v for n, v in zip(names, row, strict=True) if v is not None and v != ""}
            for row in records
        ],
        index=columns.index,
        dtype=object,
    )
