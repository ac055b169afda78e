"""What depends only on the model and the catalogue, kept between calls.

Serving asks for one member at a time, with the same model, catalogue and rules every time;
recomputing what depends on them alone (which products a channel sells, product names, the
catalogue's order in the model's) cost more than the member's own scoring. :func:`kept`
keeps a few such results, keyed by the identity of the objects they came from; it holds those
objects too, so an id cannot be reused by another object while its result is kept.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TypeVar

import pandas as pd

T = TypeVar("T")
SIZE = 32
_KEPT: OrderedDict[tuple, tuple[tuple, object]] = OrderedDict()


def kept(name: str, sources: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, or the result kept for the same ``name`` and the same ``sources``."""
    key = (name, *(id(source) for source in sources))
    found = _KEPT.get(key)
    if found is None:
        found = _KEPT[key] = (sources, compute())
        if len(_KEPT) > SIZE:
            _KEPT.popitem(last=False)
    else:
        _KEPT.move_to_end(key)
    return found[1]


def members_by_id(members: pd.DataFrame) -> pd.DataFrame:
    """``members`` indexed by member id as text, each member once (kept per frame: do not
    change it)."""

    def index() -> pd.DataFrame:
        ids = members["member_id"].astype(str)
        table = members.set_index(ids.rename(None))
        return table[~table.index.duplicated()]

    return kept("members by id", (members,), index)
