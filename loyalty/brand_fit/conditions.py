"""Conditions evaluated on whole columns at once (numpy and pandas string operations).

A missing value matches no condition except ``{"exists": false}``: a rule about a field a
member or product lacks (an absent ``journey_stage``, a product without a launch date) does not
apply to it.
"""

from __future__ import annotations

import re
from functools import reduce

import numpy as np
import pandas as pd

from loyalty.brand_fit.fields import ANY, COMPARISONS, LIST, NUMBER, PATH

_COMPARE = {"lt": np.less, "lte": np.less_equal, "gt": np.greater, "gte": np.greater_equal}
_PATH_SEPARATOR = re.compile(r"\s*>\s*")


def evaluate(predicate: dict, leaf) -> np.ndarray:
    """A predicate's truth, combining ``leaf(field, condition)`` results with numpy broadcasting.

    Leaves may return masks of different shapes, (n,) over products or (m, n) over members and
    products; ``all`` and ``any`` broadcast them. The empty predicate is ``True``.
    """
    parts = []
    for key, value in predicate.items():
        if key == "all":
            parts += [evaluate(part, leaf) for part in value]
        elif key == "any":
            parts.append(reduce(np.logical_or, [evaluate(part, leaf) for part in value]))
        elif key == "not":
            parts.append(~np.asarray(evaluate(value, leaf)))
        else:
            parts.append(leaf(key, value))
    return reduce(np.logical_and, parts, np.True_)


def normalise_path(text: pd.Series | str):
    """``Drinks>Alcohol`` and ``Drinks > Alcohol`` are the same category path."""
    if isinstance(text, str):
        return _PATH_SEPARATOR.sub(" > ", text.strip())
    return text.str.strip().str.replace(_PATH_SEPARATOR, " > ", regex=True)


def padded_list(items: pd.Series) -> pd.Series:
    """``organic;vegan`` as ``;organic;vegan;``, so membership is one substring test."""
    cleaned = items.fillna("").astype(str).str.replace(r"\s*;\s*", ";", regex=True).str.strip()
    return ";" + cleaned + ";"


def condition_mask(column: pd.Series, kind: str, condition) -> np.ndarray:
    """Where ``condition`` holds on ``column`` (a field of kind ``kind``), as a bool array."""
    operator, value = (
        next(iter(condition.items()))
        if isinstance(condition, dict)
        else (
            "eq",
            condition,
        )
    )
    if kind == LIST:
        return _list_condition(column, operator, value)
    present = _present(column)
    if operator == "exists":
        return present if value else ~present
    if operator in ("eq", "in"):
        return _is_in(column, kind, value if operator == "in" else [value])
    if operator in ("ne", "not_in"):
        return present & ~_is_in(column, kind, value if operator == "not_in" else [value])
    if operator in COMPARISONS:
        with np.errstate(invalid="ignore"):
            return _COMPARE[operator](_numbers(column), float(value))
    text = column.astype("str")
    if operator == "contains":
        return present & text.str.contains(value, regex=False).to_numpy(dtype=bool)
    if kind == PATH:
        prefix = normalise_path(value)
        return present & ((text == prefix) | text.str.startswith(prefix + " >")).to_numpy(bool)
    return present & text.str.startswith(value).to_numpy(dtype=bool)


def _list_condition(padded: pd.Series, operator: str, value) -> np.ndarray:
    if operator == "exists":
        filled = (padded != ";;").to_numpy(dtype=bool)
        return filled if value else ~filled
    values = value if isinstance(value, list) else [value]
    hits = [padded.str.contains(f";{item};", regex=False).to_numpy(dtype=bool) for item in values]
    hit = reduce(np.logical_or, hits)
    return ~hit if operator in ("ne", "not_in") else hit


def _present(column: pd.Series) -> np.ndarray:
    present = column.notna().to_numpy(dtype=bool)
    if column.dtype.kind in "fiub":
        return present
    return present & (column.astype("str") != "").to_numpy(dtype=bool)


def _numbers(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _is_in(column: pd.Series, kind: str, values: list) -> np.ndarray:
    numbers = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    texts = [_as_text(v) for v in values if not isinstance(v, (int, float)) or isinstance(v, bool)]
    hit = np.zeros(len(column), dtype=bool)
    if numbers and kind in (NUMBER, ANY):
        hit |= np.isin(_numbers(column), numbers)
    if texts and kind != NUMBER:
        text = column.astype("str")
        if kind == PATH:
            text, texts = normalise_path(text), [normalise_path(t) for t in texts]
        if kind == ANY:
            text = text.str.lower().where(text.str.lower().isin(["true", "false"]), text)
        hit |= text.isin(texts).to_numpy(dtype=bool) & _present(column)
    return hit


def _as_text(value) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)
