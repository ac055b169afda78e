"""Masks per member segment: members to whom the same rules apply share one row.

A block of 10,000 members usually falls into a handful of segments (tier, age group, ...), so
the per-segment arrays are small. Rules that read the member's own history add a second,
sparse layer (:class:`OwnMasks`): one row per combination of such rules in scope, and exact
values at each member's own products.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from loyalty.brand_fit.own import OwnPurchases

NO_DISCOUNT_LIMIT = 100.0
COMBINE = {"allowed": np.logical_and, "boost": np.add, "max_discount": np.minimum}


@dataclass(frozen=True)
class OwnMasks:
    """The masks of history-reading rules: ``rows[name][segment[i]]`` for member ``i``, but
    ``values[name]`` at the member's own products (the entries of ``purchases``)."""

    segment: np.ndarray
    rows: dict[str, np.ndarray | None]
    values: dict[str, np.ndarray | None]
    purchases: OwnPurchases

    def dense(self, name: str) -> np.ndarray | None:
        rows = self.rows[name]
        if rows is None:
            return None
        dense = rows[self.segment]
        dense[self.purchases.members, self.purchases.products] = self.values[name]
        return dense

    def at(self, name: str, columns: np.ndarray) -> np.ndarray | None:
        rows = self.rows[name]
        if rows is None:
            return None
        found = rows[self.segment[:, None], columns]
        members = np.broadcast_to(np.arange(len(columns))[:, None], columns.shape)
        own, entry = self.purchases.find(members, columns)
        found[own] = self.values[name][entry[own]]
        return found

    def one(self, name: str, row: int, product: int):
        """The value of ``name`` for one member and product (``None`` when no rule sets it)."""
        if self.rows[name] is None:
            return None
        own, entry = self.purchases.find(np.array([row]), np.array([product]))
        if own[0]:
            return self.values[name][entry[0]]
        return self.rows[name][self.segment[row], product]


@dataclass(frozen=True)
class SegmentMasks:
    """``allowed``, ``boost`` and ``max_discount`` per segment, plus the history-reading part."""

    segment: np.ndarray
    by_segment: dict[str, np.ndarray | None]
    own: OwnMasks | None = None

    def at(self, name: str, columns: np.ndarray) -> np.ndarray | None:
        """``dense(name)[row, columns[row]]`` for (m, k) ``columns``, without the (m, n) array."""
        rows = self.by_segment[name]
        found = None if rows is None else rows[self.segment[:, None], columns]
        return _combined(name, found, None if self.own is None else self.own.at(name, columns))

    def dense(self, name: str) -> np.ndarray | None:
        """The (m, n) array of ``name``, or ``None`` when no rule sets it."""
        rows = self.by_segment[name]
        found = None if rows is None else rows[self.segment]
        return _combined(name, found, None if self.own is None else self.own.dense(name))


def _combined(name: str, shared, own):
    if shared is None or own is None:
        return shared if own is None else own
    return COMBINE[name](shared, own)


def segment_masks(sold_in: np.ndarray, size: int, target: str, applied: list) -> SegmentMasks:
    """Build the masks from ``(compiled_rule, members_in_scope, products)`` triples.

    ``products`` is a mask (n,), or :class:`~loyalty.brand_fit.own.OwnProducts` for a rule
    that reads the member's history.
    """
    effects = {"exclude", "include_only", "boost", "bury"}
    if target == "offers":
        effects.add("max_discount")
    relevant = [item for item in applied if item[0].rule.effect in effects]
    shared = [item for item in relevant if isinstance(item[2], np.ndarray)]
    own = [item for item in relevant if not isinstance(item[2], np.ndarray)]
    keys, segment = _segments([who for _, who, _ in shared], size)
    by_segment = _empty(keys.shape[0], sold_in, shared)
    for row, key in enumerate(keys):
        for (compiled, _, products), applies in zip(shared, key, strict=True):
            if applies:
                _apply(by_segment, row, compiled.rule, products)
    return SegmentMasks(segment, by_segment, _own_masks(own, size, len(sold_in)) if own else None)


def _own_masks(own: list, size: int, n: int) -> OwnMasks:
    purchases = own[0][2].purchases
    keys, segment = _segments([who for _, who, _ in own], size)
    rows = _empty(keys.shape[0], np.ones(n, dtype=bool), own)
    for row, key in enumerate(keys):
        for (compiled, _, products), applies in zip(own, key, strict=True):
            if applies:
                _apply(rows, row, compiled.rule, products.absent)
    values = _empty(1, np.ones(len(purchases.products), dtype=bool), own)
    values = {name: None if v is None else v[0] for name, v in values.items()}
    members = purchases.members
    for compiled, who, products in own:
        # Entries of members outside the rule's scope behave as if no product matched,
        # except for include_only, where they must keep every product.
        in_scope = who[members]
        if compiled.rule.effect == "include_only":
            values["allowed"] &= products.values | ~in_scope
        else:
            _apply(values, slice(None), compiled.rule, products.values & in_scope)
    if not {compiled.rule.effect for compiled, _, _ in own} & {"exclude", "include_only"}:
        rows["allowed"] = values["allowed"] = None
    return OwnMasks(segment, rows, values, purchases)


def _segments(scopes: list[np.ndarray], size: int) -> tuple[np.ndarray, np.ndarray]:
    """The distinct combinations of rules in scope (keys) and each member's combination."""
    if not scopes:
        return np.zeros((1, 0), dtype=bool), np.zeros(size, dtype=np.int64)
    stacked = np.stack(scopes, axis=1)
    if stacked.shape[1] > 62:
        keys, segment = np.unique(stacked, axis=0, return_inverse=True)
        return keys, segment.reshape(-1)
    # Each combination as the bits of one integer: much faster than unique rows.
    codes = stacked @ (np.int64(1) << np.arange(stacked.shape[1], dtype=np.int64))
    _, first, segment = np.unique(codes, return_index=True, return_inverse=True)
    return stacked[first], segment.reshape(-1)


def _empty(rows: int, sold_in: np.ndarray, items: list) -> dict:
    n = len(sold_in)
    used = {compiled.rule.effect for compiled, _, _ in items}
    return {
        "allowed": np.tile(sold_in, (rows, 1)),
        "boost": np.zeros((rows, n), np.float32) if used & {"boost", "bury"} else None,
        "max_discount": (
            np.full((rows, n), NO_DISCOUNT_LIMIT, np.float32) if "max_discount" in used else None
        ),
    }


def _apply(masks: dict, row, rule, products: np.ndarray) -> None:
    if rule.effect == "exclude":
        masks["allowed"][row] &= ~products
    elif rule.effect == "include_only":
        masks["allowed"][row] &= products
    elif rule.effect in ("boost", "bury"):
        sign = 1.0 if rule.effect == "boost" else -1.0
        masks["boost"][row] += np.float32(sign * rule.strength) * products
    elif rule.effect == "max_discount":
        limited = np.where(products, np.float32(rule.percent), np.float32(NO_DISCOUNT_LIMIT))
        np.minimum(masks["max_discount"][row], limited, out=masks["max_discount"][row])
