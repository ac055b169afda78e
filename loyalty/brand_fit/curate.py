"""Curation: turn a block of candidate scores into selections that keep every rule.

The order, for each member:

1. ``exclude`` and ``include_only`` (and the channel) remove products: they are never shown.
2. ``boost`` and ``bury`` move scores: a product matching a rule of strength ``s`` moves by
   ``s`` times (a little more than) the spread between the member's best and worst candidate,
   so ``s = 1`` puts it above (below) every product the rule does not match. Several boosts on
   one product add up.
3. ``promote`` reserves ``ceil(share * n)`` places for matching products the member has an
   affinity for (a positive score), best first; rules of higher priority fill their places
   first.
4. ``limit`` keeps at most ``max`` products per value of ``per``, walking down the ranked list;
   several limits all hold (the strictest wins where they overlap).

The selection is then ordered by the moved scores. When the rules leave fewer than ``n``
products, the selection is shorter (padded with -1): it is never filled with products that
break a rule.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from loyalty.brand_fit.block import BlockRules
from loyalty.brand_fit.explain import Explanation, explain
from loyalty.brand_fit.selection import Pick, pick

SHORTLIST_FACTOR, SHORTLIST_EXTRA = 4, 8
# Members curated at once: bounds the temporary (rows x products) arrays to a few hundred MB.
CHUNK_ROWS = 1024


class Curation(NamedTuple):
    """The curated block: product indices (m, n; -1 pads), their scores, and explanations."""

    products: np.ndarray
    scores: np.ndarray
    explanations: list[list[Explanation]] | None


def curate(scores: np.ndarray, rules: BlockRules, n: int, *, explain_rules: bool = False):
    """Select up to ``n`` products per member from ``scores`` under the block's rules.

    Parameters
    ----------
    scores
        Float32 (m, n_products) candidate scores, ``-inf`` where a product is no candidate.
    rules
        ``rules_for_block`` for the same members, channel and target.
    n
        Length of each selection.
    explain_rules
        Also say, per member, which rule removed or moved which product (for previews; this
        part loops over members).

    Returns
    -------
    Curation
        ``products`` (int64, m x n, -1 where the selection is shorter), ``scores`` (float32,
        the moved scores, ``-inf`` on padding) and ``explanations`` (or ``None``).
    """
    chunks = [
        _curate_rows(
            scores[start : start + CHUNK_ROWS],
            rules.rows(slice(start, start + CHUNK_ROWS)),
            n,
            explain_rules,
        )
        for start in range(0, max(len(scores), 1), CHUNK_ROWS)
    ]
    return Curation(
        np.concatenate([c.products for c in chunks]),
        np.concatenate([c.scores for c in chunks]),
        [e for c in chunks for e in c.explanations] if explain_rules else None,
    )


def _curate_rows(scores, rules: BlockRules, n: int, explain_rules: bool) -> Curation:
    candidate = np.isfinite(scores)
    candidate &= rules.allowed()
    moved = np.where(candidate, scores, -np.inf).astype(np.float32, copy=False)
    _move(moved, candidate, rules.boost())
    chosen = _pick_with_growing_shortlist(moved, scores, candidate, rules, n)
    explanations = explain(scores, candidate, chosen, rules, n) if explain_rules else None
    return Curation(chosen.products, chosen.scores, explanations)


def _move(moved: np.ndarray, candidate: np.ndarray, boost: np.ndarray | None) -> None:
    if boost is None:
        return
    high = moved.max(axis=1)  # non-candidates are -inf already
    low = np.min(moved, axis=1, initial=np.inf, where=candidate)
    some = np.isfinite(high)
    scale = np.where(some, np.maximum(np.abs(high), np.abs(low)), 0.0)
    # A little more than the spread, so that strength 1 wins ties against the best product.
    spread = np.where(some, (high - low) * 1.001 + 1e-6 * (1.0 + scale), 0.0)
    moved += boost * spread[:, None].astype(np.float32)


def _pick_with_growing_shortlist(moved, scores, candidate, rules: BlockRules, n: int) -> Pick:
    total = moved.shape[1]
    size = min(total, SHORTLIST_FACTOR * n + SHORTLIST_EXTRA)
    quotas = [math.ceil(p.share * n) for p in rules.promotions]
    result = pick(moved, scores, candidate, rules, n, size, quotas, np.arange(len(moved)))
    # Limits can reject much of a shortlist (a boosted brand with a limit per brand). Members
    # left short drop the other products of every group their selection has filled, and pick
    # again from a shortlist of the same size; only when that frees nothing does it grow.
    # The loop is over rounds, not members.
    while True:
        counts = candidate.sum(axis=1)
        short = np.flatnonzero(((result.products >= 0).sum(axis=1) < n) & (counts > size))
        if not len(short):
            break
        if not _drop_full_groups(moved, candidate, rules, result.products, short):
            if size >= total:
                break
            size = min(total, size * 4)
        again = pick(moved, scores, candidate, rules, n, size, quotas, short)
        result.products[short], result.scores[short] = again.products, again.scores
    return result


def _drop_full_groups(moved, candidate, rules: BlockRules, chosen, short) -> bool:
    """Take the products of groups a member's selection has filled out of their candidates.

    Returns whether any candidate was dropped.
    """
    picked = chosen[short]
    is_picked = np.zeros((len(short), moved.shape[1]), dtype=bool)
    rows, ranks = np.nonzero(picked >= 0)
    is_picked[rows, picked[rows, ranks]] = True
    dropped = False
    for limit in rules.limits:
        counted = limit.products if limit.products.ndim == 1 else limit.products[short]
        codes = np.where(counted, limit.groups, -1)  # (n,) or (m_short, n)
        codes = np.broadcast_to(codes, is_picked.shape)
        in_group = np.zeros((len(short), int(limit.groups.max(initial=-1)) + 2), dtype=np.int32)
        member_rows, products = np.nonzero(is_picked & (codes >= 0))
        np.add.at(in_group, (member_rows, codes[member_rows, products]), 1)
        full = (in_group >= limit.max) & limit.members[short][:, None]
        full[:, -1] = False  # the column of code -1: not counted
        drop = np.take_along_axis(full, codes, axis=1) & ~is_picked & candidate[short]
        if drop.any():
            dropped = True
            block = candidate[short]
            block[drop] = False
            candidate[short] = block
            values = moved[short]
            values[drop] = -np.inf
            moved[short] = values
    return dropped
