"""Masks per member segment: members to whom the same rules apply share one row.

A block of 10,000 members usually falls into a handful of segments (tier, age group, ...), so
the per-segment arrays are small; only rules that read the member's own history need an
(m, n) array of their own.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SEGMENTED_EFFECTS = ("exclude", "include_only", "boost", "bury", "max_discount")
NO_DISCOUNT_LIMIT = 100.0


@dataclass(frozen=True)
class SegmentMasks:
    """``allowed``, ``boost`` and ``max_discount`` per segment, plus (m, n) history parts."""

    segment: np.ndarray
    by_segment: dict[str, np.ndarray | None]
    by_member: dict[str, np.ndarray | None]

    def at(self, name: str, columns: np.ndarray) -> np.ndarray | None:
        """``dense(name)[row, columns[row]]`` for (m, k) ``columns``, without the (m, n) array."""
        rows, own = self.by_segment[name], self.by_member[name]
        if rows is None and own is None:
            return None
        members = np.arange(len(columns))[:, None]
        found = None if rows is None else rows[self.segment[:, None], columns]
        mine = None if own is None else own[members, columns]
        if found is None or mine is None:
            return found if mine is None else mine
        combine = {"allowed": np.logical_and, "boost": np.add, "max_discount": np.minimum}[name]
        return combine(found, mine)

    def dense(self, name: str) -> np.ndarray | None:
        """The (m, n) array of ``name``, or ``None`` when no rule sets it."""
        rows, own = self.by_segment[name], self.by_member[name]
        if rows is None and own is None:
            return None
        if own is None:
            return rows[self.segment]
        if rows is None:
            return own
        combine = {"allowed": np.logical_and, "boost": np.add, "max_discount": np.minimum}[name]
        return combine(rows[self.segment], own)


def segment_masks(sold_in: np.ndarray, size: int, target: str, applied: list) -> SegmentMasks:
    """Build the masks from ``(compiled_rule, members_in_scope, product_mask)`` triples."""
    effects = {"exclude", "include_only", "boost", "bury"}
    if target == "offers":
        effects.add("max_discount")
    relevant = [item for item in applied if item[0].rule.effect in effects]
    shared = [item for item in relevant if item[2].ndim == 1]
    own = [item for item in relevant if item[2].ndim == 2]
    if shared:
        scope = np.stack([who for _, who, _ in shared], axis=1)
        keys, segment = np.unique(scope, axis=0, return_inverse=True)
        segment = segment.reshape(-1)
    else:
        keys, segment = np.zeros((1, 0), dtype=bool), np.zeros(size, dtype=np.int64)
    by_segment = _empty(keys.shape[0], sold_in, shared, effects)
    for row, key in enumerate(keys):
        for (compiled, _, products), applies in zip(shared, key, strict=True):
            if applies:
                _apply(by_segment, row, compiled.rule, products)
    by_member = _empty(size, None, own, effects) if own else _none()
    for compiled, who, products in own:
        _apply_to_members(by_member, who, compiled.rule, products)
    return SegmentMasks(segment, by_segment, by_member)


def _none() -> dict[str, None]:
    return {"allowed": None, "boost": None, "max_discount": None}


def _empty(rows: int, sold_in, items: list, effects: set) -> dict:
    n = items[0][2].shape[-1] if sold_in is None else len(sold_in)
    used = {compiled.rule.effect for compiled, _, _ in items}
    allowed = np.ones((rows, n), dtype=bool) if sold_in is None else np.tile(sold_in, (rows, 1))
    return {
        "allowed": allowed if sold_in is not None or used & {"exclude", "include_only"} else None,
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


def _apply_to_members(masks: dict, who: np.ndarray, rule, products: np.ndarray) -> None:
    # Rows outside the rule's member scope behave as if no product matched, except for
    # include_only, where they must keep every product.
    if rule.effect == "include_only":
        masks["allowed"] &= products | ~who[:, None]
    else:
        _apply(masks, slice(None), rule, products & who[:, None])
