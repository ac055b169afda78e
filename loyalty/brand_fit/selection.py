"""The exact part of curation, one member at a time in compiled code (numba).

For each member the kernel passes over the products to mark candidates (a finite score,
allowed by the member's segment and own masks), to find the spread of their scores and add
the boosts, and to note the best score of each run of ``CHUNK`` products. It then keeps a
shortlist: the best ``size`` candidates (only runs whose best can make the list are looked
into), plus, for every ``promote`` rule that finds fewer than its places there, its best
products beyond. The shortlist is walked rank by rank: first each promotion's places, then
the rest, every ``limit`` kept.

When the limits leave the selection (or a promotion's places) short and there are candidates
beyond the shortlist, the products of the groups that certain picks have filled leave the
candidates and the member is walked again; only when that frees nothing does the shortlist
grow fourfold. Picks are certain up to the first promotion left short: a promotion that
finds more places later may fill groups before the rest does.

Ties are broken by product order (the earlier product first), so a selection never depends
on how the work was split up. ``tests/loyalty/brand_fit/test_reference.py`` checks the kernel
against a plain Python walk of the rules.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from loyalty.brand_fit.affinity import row_base_rate
from loyalty.brand_fit.block import BlockRules
from loyalty.brand_fit.runs import (
    CHUNK,
    HIGHEST_KEY,
    LOWEST_KEY,
    NEG_INF_BITS,
    POS_INF_BITS,
    as_int32,
    fill_run_best,
    insert_best_first,
    kth_best,
    order_key,
    rank_key,
    ranked_candidates,
    ranked_product,
)

REST = 127  # how a product taken after every promotion is marked (see _walk)
# A filled group of at least this many products leaves the candidates in one pass over the
# catalogue, which is cheaper than setting its products one by one.
LARGE_GROUP = 1024
NO = np.uint8(0)  # a mask's false, as the masks' type (a wider one widens the loop's lanes)


class Pick(NamedTuple):
    """Selected product indices (-1 pads) and their moved scores, one row per member."""

    products: np.ndarray
    scores: np.ndarray


class CandidateMasks(NamedTuple):
    """What may appear and how scores move, as the kernel reads them (see :func:`kernel_rules`).

    Member ``i`` reads row ``segment[i]`` of the ``by_segment`` arrays and row
    ``own_segment[i]`` of the ``by_own`` arrays (rules that read the member's history), except
    at its own products ``own_products[own_start[i]:own_start[i + 1]]``, where ``own_allowed``
    and ``own_boost`` hold the values.
    """

    segment: np.ndarray
    allowed_by_segment: np.ndarray
    boost_by_segment: np.ndarray
    own_segment: np.ndarray
    allowed_by_own: np.ndarray
    boost_by_own: np.ndarray
    own_start: np.ndarray
    own_products: np.ndarray
    own_allowed: np.ndarray
    own_boost: np.ndarray


class KernelRules(NamedTuple):
    """A block's rules as the kernel reads them (see :func:`kernel_rules`)."""

    masks: CandidateMasks
    promoted: np.ndarray
    promoted_products: np.ndarray
    promoted_runs: np.ndarray
    promotion_members: np.ndarray
    shares: np.ndarray
    groups: np.ndarray
    maxima: np.ndarray
    limit_members: np.ndarray
    limited: np.ndarray
    products_by_group: np.ndarray
    group_start: np.ndarray
    large_group: np.ndarray
    large_group_penalty: np.ndarray


def kernel_rules(rules: BlockRules) -> KernelRules:
    """Stack a block's masks, promotions and limits into arrays, once per block.

    Empty arrays stand for "none" (no history masks, no boosts, no promotions, no limits).
    """
    masks = rules.masks
    block, total = len(masks.segment), len(rules.product_ids)
    promotions, limits = rules.promotions, rules.limits
    groups = _stack([x.groups for x in limits], (0, total), np.int64)
    products_by_group = _stack([x.group_order for x in limits], (0, total), np.int64)
    group_start = _group_starts(groups)
    limited = _per_member([x.products for x in limits], block, total)
    return KernelRules(
        _candidate_masks(masks, block, total),
        _per_member([x.products for x in promotions], block, total),
        *_matching([x.products for x in promotions], total),
        _stack([x.members for x in promotions], (0, block), bool),
        np.array([x.share for x in promotions], dtype=np.float64),
        groups,
        np.array([x.max for x in limits], dtype=np.int64),
        _stack([x.members for x in limits], (0, block), bool),
        limited,
        products_by_group,
        group_start,
        *_large_groups(groups, group_start, limited),
    )


def alike_members(rules: KernelRules) -> np.ndarray | None:
    """For each member of the block, the first member the rules treat the same way.

    Such members read the same rows of every mask and boost, are in the same promotions and
    limits, and have none of their own products among the rules' values: given the same
    scores, they get the same selection. ``None`` when a promotion's or a limit's products
    differ from member to member.
    """
    if rules.promoted.shape[1] != 1 or rules.limited.shape[1] != 1:
        return None
    masks = rules.masks
    block = len(masks.segment)
    own = np.diff(masks.own_start) > 0  # own products: a key of their own
    key = np.column_stack(
        [
            masks.segment,
            masks.own_segment,
            np.where(own, np.arange(block), -1),
            rules.promotion_members.T,
            rules.limit_members.T,
        ]
    ).astype(np.int64)
    _, first, alike = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return first[alike.ravel()]


def _candidate_masks(masks, block: int, total: int) -> CandidateMasks:
    own = masks.own
    no_allowed, no_boost = np.ones((0, total), bool), np.zeros((0, total), np.float32)
    shared = (
        masks.segment.astype(np.int64),
        _or_empty(masks.by_segment["allowed"], np.ones((1, total), bool)),
        _or_empty(masks.by_segment["boost"], no_boost),
    )
    if own is None:
        nowhere = np.zeros(0, np.int64)
        return CandidateMasks(
            *shared, np.zeros(block, np.int64), no_allowed, no_boost,
            np.zeros(block + 1, np.int64), nowhere, np.ones(0, bool), np.zeros(0, np.float32),
        )  # fmt: skip
    entries = len(own.purchases.products)
    return CandidateMasks(
        *shared,
        own.segment.astype(np.int64),
        _or_empty(own.rows["allowed"], no_allowed),
        _or_empty(own.rows["boost"], no_boost),
        own.purchases.start.astype(np.int64),
        own.purchases.products.astype(np.int64),
        _or_empty(own.values["allowed"], np.ones(entries, bool)),
        _or_empty(own.values["boost"], np.zeros(entries, np.float32)),
    )


def pick(
    scores: np.ndarray,
    rules: KernelRules,
    n: int,
    size: int,
    base=None,
    first=0,
    own_rate: bool = False,
) -> Pick:
    """Select up to ``n`` products per member from ``scores`` (m, products) under ``rules``.

    ``size`` is the first shortlist's length. ``base`` (m,) is each member's affinity line:
    a product counts as liked (for ``promote``) when its score is above it; 0 by default.
    With ``own_rate``, it is the member's base rate (:mod:`loyalty.brand_fit.affinity`),
    worked out here while the row is in the processor's cache.
    The rows of ``scores`` are the block's members ``first`` to ``first + m``: a block's
    rules are stacked once, its scores can come a few rows at a time.
    """
    m, total = scores.shape
    products = np.full((m, n), -1, dtype=np.int64)
    chosen = np.full((m, n), -np.inf, dtype=np.float32)
    if m == 0 or n == 0 or total == 0:
        return Pick(products, chosen)
    quotas = np.ceil(rules.shares * n).astype(np.int64)
    _curate_members(
        np.ascontiguousarray(scores, dtype=np.float32),
        np.zeros(m, np.float32) if base is None else np.asarray(base, np.float32),
        own_rate,
        first,
        rules.masks,
        *rules[1:5],
        quotas,
        *rules[6:],
        min(size, total),
        products,
        chosen,
    )
    return Pick(products, chosen)


def _matching(masks: list, total: int) -> tuple[np.ndarray, np.ndarray]:
    """Per promotion, the products it may match (-1 pads; every product when it reads history),
    and where each run of ``CHUNK`` products starts among them."""
    found = [np.flatnonzero(x) if isinstance(x, np.ndarray) else np.arange(total) for x in masks]
    listed = np.full((len(masks), max([len(x) for x in found] + [1])), -1, dtype=np.int64)
    runs = np.zeros((len(masks), (total + CHUNK - 1) // CHUNK + 1), dtype=np.int64)
    for p, products in enumerate(found):
        listed[p, : len(products)] = products
        runs[p] = np.searchsorted(products, np.arange(runs.shape[1]) * CHUNK)
    return listed, runs


def _group_starts(groups: np.ndarray) -> np.ndarray:
    """Per limit, where each group starts among its products ordered by group (CSR-like)."""
    group_count = max(int(groups.max(initial=-1)) + 1, 1)
    starts = np.zeros((len(groups), group_count + 1), dtype=np.int64)
    for x, codes in enumerate(groups):
        counts = np.bincount(codes[codes >= 0], minlength=group_count)
        starts[x, 1:] = np.cumsum(counts)
        starts[x] += (codes < 0).sum()  # code -1 sorts first: not in any group
    return starts


def _large_groups(groups, group_start, limited) -> tuple[np.ndarray, np.ndarray]:
    """Per limit and group, its row of penalties (-1: none), and the penalties that take the
    groups of at least ``LARGE_GROUP`` products out: -inf on their products, 0 elsewhere (for
    limits whose products are the same for every member)."""
    index = np.full((len(groups), group_start.shape[1] - 1), -1, dtype=np.int64)
    penalties = []
    for x, codes in enumerate(groups):
        if limited.shape[1] != 1:
            continue
        for code in np.flatnonzero(np.diff(group_start[x]) >= LARGE_GROUP):
            index[x, code] = len(penalties)
            penalties.append(np.where((codes == code) & limited[x, 0], -np.inf, 0.0))
    return index, _stack(penalties, (0, groups.shape[1]), np.float32)


def _or_empty(array, empty):
    return empty if array is None else np.ascontiguousarray(array)


def _stack(arrays, empty_shape, dtype):
    if not arrays:
        return np.zeros(empty_shape, dtype=dtype)
    return np.ascontiguousarray(np.stack(arrays), dtype=dtype)


def _per_member(masks: list, m: int, total: int) -> np.ndarray:
    """Product masks as (rules, 1 or m, products): one row for all, or one per member."""
    if not masks:
        return np.zeros((0, 1, total), dtype=bool)
    if all(isinstance(mask, np.ndarray) for mask in masks):
        return np.ascontiguousarray(np.stack(masks)[:, None, :], dtype=bool)
    dense = [x if isinstance(x, np.ndarray) else x.dense() for x in masks]  # a rare rule
    return np.ascontiguousarray(np.stack([np.broadcast_to(x, (m, total)) for x in dense]))


@numba.njit(cache=True, nogil=True)
def _curate_members(
    scores,
    base,
    own_rate,
    first,
    masks,
    promoted,
    promoted_products,
    promoted_runs,
    promotion_members,
    quotas,
    groups,
    maxima,
    limit_members,
    limited,
    products_by_group,
    group_start,
    large_group,
    large_group_penalty,
    first_size,
    out_products,
    out_scores,
):
    m, total = scores.shape
    n = out_products.shape[1]
    moved = np.empty(total, dtype=np.float32)
    run_keys = np.empty((total + CHUNK - 1) // CHUNK, dtype=np.int32)
    run_best = run_keys.view(np.float32)
    spread_bits = np.empty(2, dtype=np.int32)
    # The main list, then what promotions add (their lists grow with the main one).
    width = total * (1 + len(quotas)) + quotas.sum()
    cut = np.zeros(len(quotas), dtype=np.bool_)
    pool = np.empty(width, dtype=np.int64)
    values = np.empty(width, dtype=np.float32)
    ranked = np.empty(width, dtype=np.int64)
    accepted = np.zeros(width, dtype=np.int8)  # how: see _walk
    marked = np.zeros(total, dtype=np.bool_)
    in_group = np.zeros((len(maxima), group_start.shape[1] - 1), dtype=np.int32)
    for row in range(m):
        i = first + row  # the member's row in the block's rules
        liked_above = base[row]
        if own_rate and promotion_members[:, i].any():
            liked_above = row_base_rate(scores[row])
        _candidates(scores[row], i, masks, moved, run_keys, spread_bits)
        size = first_size
        while True:
            filled, best, every = _shortlist(scores[row], liked_above, i, moved, run_best, promoted,
                                             promoted_products, promoted_runs, promotion_members,
                                             quotas, size, size - first_size, pool, values,
                                             ranked, cut)  # fmt: skip
            taken, certain = _walk(i, pool, filled, best, scores[row], liked_above, promoted,
                                   promotion_members, quotas, size - first_size, cut, groups,
                                   maxima, limit_members, limited, in_group, accepted,
                                   n)  # fmt: skip
            short = certain < REST
            if (taken >= n and not short) or every:
                break
            # Limits rejected much of the shortlist (a boosted brand with a limit per brand).
            # The products of every group filled by certain picks can never be taken: they
            # leave the candidates and the same length is tried again. Only when that frees
            # nothing does the shortlist grow.
            dropped = _drop_full_groups(i, moved, pool, values, filled, accepted, certain, marked,
                                        groups, maxima, limit_members, limited, in_group,
                                        products_by_group, group_start, large_group,
                                        large_group_penalty)  # fmt: skip
            if dropped:
                fill_run_best(moved, run_keys)
            else:
                size = min(total, size * 4)
            _reset_groups(i, pool, filled, accepted, groups, limit_members, limited, in_group)
        _reset_groups(i, pool, filled, accepted, groups, limit_members, limited, in_group)
        rank = 0
        for r in range(filled):
            if accepted[r] and rank < n:
                out_products[row, rank] = pool[r]
                out_scores[row, rank] = values[r]
                rank += 1


@numba.njit(cache=True, nogil=True, inline="always")
def _row(masks, i):
    return masks[0] if masks.shape[0] == 1 else masks[i]


# No "contract": a fused multiply-add would round boosts differently from numpy.
@numba.njit(cache=True, nogil=True, fastmath={"nnan", "reassoc", "nsz"})
def _candidates(row, i, masks, moved, run_keys, spread_bits):
    """Fill ``moved`` (-inf: no candidate) and the best of each run of ``CHUNK`` products.

    Simple loops, so that each vectorises: the masks (with the spread of the candidates'
    scores, when there are boosts and no mask of the member's own), then the boosts with the
    best of each run (when no boost of the member's own is set after them). The member's own
    products are set one by one in between. Each pass fused into another saved 1.5 to 3 µs a
    member among 45,870 products.

    A mask and a score's test combine with ``&``, not ``and``: ``and`` branches, and on an AMD
    EPYC of the first generation (Zen) that loop then did not vectorise (35 µs a pass
    instead of 10 among 45,870 products; fused with the spread, 120 µs instead of 22).
    """
    total = len(row)
    bits, out = row.view(np.int32), moved.view(np.int32)
    seg, own_seg = masks.segment[i], masks.own_segment[i]
    allowed = masks.allowed_by_segment[seg].view(np.uint8)
    own_start, own_end = masks.own_start[i], masks.own_start[i + 1]
    by_segment, by_own = masks.boost_by_segment.shape[0], masks.boost_by_own.shape[0]
    boosted = by_segment or by_own
    high, low = LOWEST_KEY, HIGHEST_KEY
    if masks.allowed_by_own.shape[0]:
        own = masks.allowed_by_own[own_seg].view(np.uint8)
        for j in range(total):
            keep = ((allowed[j] & own[j]) != NO) & (bits[j] != POS_INF_BITS)
            out[j] = bits[j] if keep else NEG_INF_BITS
        for k in range(own_start, own_end):  # the member's own products: their own value
            j = masks.own_products[k]
            keep = allowed[j] and masks.own_allowed[k] and bits[j] != POS_INF_BITS
            out[j] = bits[j] if keep else NEG_INF_BITS
        if boosted:
            for j in range(total):
                key = order_key(out[j])
                high = max(high, key)
                low = min(low, key if key != LOWEST_KEY else HIGHEST_KEY)
    elif boosted:
        for j in range(total):
            keep = (allowed[j] != NO) & (bits[j] != POS_INF_BITS)
            value = bits[j] if keep else NEG_INF_BITS
            out[j] = value
            key = order_key(value)
            high = max(high, key)
            low = min(low, key if key != LOWEST_KEY else HIGHEST_KEY)
    else:
        for j in range(total):
            keep = (allowed[j] != NO) & (bits[j] != POS_INF_BITS)
            out[j] = bits[j] if keep else NEG_INF_BITS
    if high == LOWEST_KEY:  # no boost, or no candidate to boost
        fill_run_best(moved, run_keys)
        return
    spread_bits[0], spread_bits[1] = order_key(high), order_key(low)
    high_value, low_value = spread_bits.view(np.float32)[0], spread_bits.view(np.float32)[1]
    scale = max(abs(high_value), abs(low_value))
    # A little more than the spread, so that strength 1 wins ties against the best product.
    spread = np.float32((high_value - low_value) * 1.001 + 1e-6 * (1.0 + scale))
    # Boosts add up before they move the score: the same sum as ``BlockRules.boost()``.
    shared = masks.boost_by_segment[seg] if by_segment else masks.boost_by_own[own_seg]
    if not by_own:
        _boost_with_run_best(moved, shared, spread, run_keys)
        return
    if by_segment:
        own = masks.boost_by_own[own_seg]
        for j in range(total):
            moved[j] += (shared[j] + own[j]) * spread  # -inf stays -inf
    else:
        for j in range(total):
            moved[j] += shared[j] * spread
    for k in range(own_start, own_end):  # own products: own values
        j = masks.own_products[k]
        if moved[j] > -np.inf:
            boost = masks.own_boost[k]
            if by_segment:
                boost = masks.boost_by_segment[seg, j] + boost
            moved[j] = row[j] + boost * spread
    fill_run_best(moved, run_keys)


@numba.njit(cache=True, nogil=True, fastmath={"nnan", "reassoc", "nsz"})
def _boost_with_run_best(moved, boost, spread, run_keys):
    """``moved += boost * spread`` and :func:`fill_run_best` in one pass."""
    full = len(moved) // CHUNK
    for chunk in range(full):
        start = chunk * CHUNK
        best = LOWEST_KEY
        for k in range(CHUNK):  # a constant length: the loop vectorises
            value = moved[start + k] + boost[start + k] * spread
            moved[start + k] = value
            best = max(best, order_key(as_int32(value)))
        run_keys[chunk] = order_key(best)
    if full < len(run_keys):
        best = LOWEST_KEY
        for j in range(full * CHUNK, len(moved)):
            value = moved[j] + boost[j] * spread
            moved[j] = value
            best = max(best, order_key(as_int32(value)))
        run_keys[full] = order_key(best)


@numba.njit(cache=True, nogil=True)
def _shortlist(row, base, i, moved, run_best, promoted, promoted_products, promoted_runs,
               promotion_members, quotas, size, extra, pool, values, ranked, cut):  # fmt: skip
    """The best ``size`` candidates and each promotion's best, best first, without repeats.

    Returns the shortlist's length, how many of it are the best candidates (the rest are
    products only a promotion listed, all below those), and whether those are every candidate;
    ``pool`` holds its products, ``values`` their scores. ``cut[p]`` tells whether promotion
    ``p`` may match candidates beyond it.
    """
    total = len(moved)
    # The size-th best of the runs' bests bounds the size-th best product from below: only
    # products that reach it can make the list, and only runs whose best does hold them.
    bound = kth_best(run_best, size) if size < len(run_best) else np.float32(-np.inf)
    found = ranked_candidates(moved, run_best, bound, ranked)
    ranked[:found].sort()
    first = max(found - size, 0)  # ranked[first:found] is the list, worst first
    every = first == 0 and bound == -np.inf  # it holds every candidate
    end = found
    for p in range(len(quotas)):
        cut[p] = False
        if promotion_members[p, i]:
            want = min(quotas[p] + extra, total)
            end, cut[p] = _promotion_list(p, i, row, base, moved, run_best, promoted,
                                          promoted_products, promoted_runs, want, ranked, first,
                                          found, end, every, pool, values)  # fmt: skip
    if end > found:  # products only a promotion listed: in order with the rest, once each
        ranked[first:end].sort()
    kept = 0
    for r in range(end - 1, first - 1, -1):
        if kept and ranked[r] == ranked[r + 1]:
            continue
        pool[kept] = ranked_product(ranked[r])
        values[kept] = moved[pool[kept]]
        kept += 1
    return kept, found - first, every


@numba.njit(cache=True, nogil=True)
def _promotion_list(p, i, row, base, moved, run_best, promoted, promoted_products, promoted_runs,
                    want, ranked, first, found, end, every, pool, values):  # fmt: skip
    """Add to ``ranked[found:end]`` the products promotion ``p`` needs beyond the main list.

    The promotion may reserve places for its best ``want`` liked products. Those in the main
    list (``ranked[first:found]``, all the best candidates) come first; only when there are
    fewer than ``want`` and the main list left candidates out (not ``every``) are the rest
    looked for. Returns the new ``end``, and whether candidates beyond were left out.
    """
    have = 0
    for r in range(found - 1, first - 1, -1):
        j = ranked_product(ranked[r])
        have += row[j] > base and _row(promoted[p], i)[j]
    if have >= want or every:
        return end, not every
    # The best of the rest, kept in pool/values (best first), ties to the earlier product.
    size, filled, low = want - have, 0, np.float32(-np.inf)
    floor = ranked[first]  # the main list's worst: everything below it is new
    bits = moved.view(np.int32)
    for run in range(len(run_best)):  # in catalogue order, past runs with nothing better
        if run_best[run] <= low:
            continue
        for k in range(promoted_runs[p, run], promoted_runs[p, run + 1]):
            j = promoted_products[p, k]
            value = moved[j]
            if value <= low or rank_key(bits[j], j) >= floor:
                continue
            if row[j] > base and _row(promoted[p], i)[j]:
                filled, low = insert_best_first(pool, values, 0, size, filled, j, value)
    for r in range(filled):
        ranked[end] = rank_key(bits[pool[r]], pool[r])
        end += 1
    return end, filled == size


@numba.njit(cache=True, nogil=True)
def _walk(i, pool, filled, best, row, base, promoted, promotion_members, quotas, extra, cut,
          groups, maxima, limit_members, limited, in_group, accepted, n):  # fmt: skip
    """Accept products down the shortlist: each promotion's places first, then the rest from
    its ``best`` first products (below them, better candidates may be missing).

    ``accepted`` says how each was taken: ``1 + p`` for a place of promotion ``p``, ``REST``
    for the rest. Returns how many were taken, and up to which of these codes the picks are
    certain: all (``REST``), or, when promotion ``p``'s places are short of what candidates
    beyond the shortlist might fill, only ``1 + p`` and below.
    """
    accepted[:filled] = 0
    taken, certain = 0, REST
    for p in range(len(quotas)):
        if not promotion_members[p, i]:
            continue
        have, listed = 0, 0
        for r in range(filled):
            if accepted[r] and row[pool[r]] > base and _row(promoted[p], i)[pool[r]]:
                have += 1
        want = min(quotas[p] + extra, len(row))  # the length of its list (_shortlist)
        for r in range(filled):
            if have >= quotas[p] or taken >= n:
                break
            product = pool[r]
            if not (row[product] > base and _row(promoted[p], i)[product]):
                continue
            listed += 1
            if accepted[r]:
                continue
            if cut[p] and r >= best and listed > want:
                # Past the promotion's own list (another promotion listed it): a better
                # product of this promotion may be missing from the shortlist.
                break
            if _within_limits(i, product, groups, maxima, limit_members, limited, in_group):
                _accept(i, product, groups, limit_members, limited, in_group)
                accepted[r] = 1 + p
                have += 1
                taken += 1
        if have < quotas[p] and taken < n and cut[p] and certain == REST:
            certain = 1 + p
    for r in range(best):
        if taken >= n:
            break
        product = pool[r]
        if accepted[r]:
            continue
        if _within_limits(i, product, groups, maxima, limit_members, limited, in_group):
            _accept(i, product, groups, limit_members, limited, in_group)
            accepted[r] = REST
            taken += 1
    return taken, certain


@numba.njit(cache=True, nogil=True)
def _reset_groups(i, pool, filled, accepted, groups, limit_members, limited, in_group):
    """Zero the group counts of the accepted products (for the next member or walk)."""
    for r in range(filled):
        if accepted[r]:
            for x in range(in_group.shape[0]):
                code = _code(i, pool[r], x, groups, limit_members, limited)
                if code >= 0:
                    in_group[x, code] = 0


@numba.njit(cache=True, nogil=True)
def _drop_full_groups(i, moved, pool, values, filled, accepted, certain, marked, groups, maxima,
                      limit_members, limited, in_group, products_by_group, group_start,
                      large_group, large_group_penalty):  # fmt: skip
    """Take the products of groups the ``certain`` picks filled, but the accepted ones, out
    of the candidates. Returns how many were taken out.
    """
    if certain < REST:  # count the certain picks alone
        _reset_groups(i, pool, filled, accepted, groups, limit_members, limited, in_group)
        for r in range(filled):
            if 0 < accepted[r] <= certain:
                _accept(i, pool[r], groups, limit_members, limited, in_group)
    for r in range(filled):
        marked[pool[r]] = accepted[r] != 0
    dropped, whole = 0, False
    for r in range(filled):
        if not 0 < accepted[r] <= certain:
            continue
        for x in range(len(maxima)):
            code = _code(i, pool[r], x, groups, limit_members, limited)
            if code < 0 or in_group[x, code] < maxima[x]:
                continue
            in_group[x, code] = -1  # dropped: not again for the next product of the group
            if large_group[x, code] >= 0:
                dropped += _add_penalty(moved, large_group_penalty[large_group[x, code]])
                whole = True
                continue
            for k in range(group_start[x, code], group_start[x, code + 1]):
                j = products_by_group[x, k]
                if moved[j] > -np.inf and _row(limited[x], i)[j] and not marked[j]:
                    moved[j] = -np.inf
                    dropped += 1
    for r in range(filled):
        marked[pool[r]] = False
        if whole and accepted[r] and moved[pool[r]] == -np.inf:  # taken out with its group
            moved[pool[r]] = values[r]
            dropped -= 1
    return dropped


@numba.njit(cache=True, nogil=True)
def _add_penalty(moved, penalty):
    """Take the candidates where ``penalty`` is -inf out; return how many."""
    # An addition, not a conditional store: this processor's masked stores are slow.
    dropped = np.int32(0)
    for j in range(len(moved)):
        dropped = np.int32(dropped + np.int32((penalty[j] < 0) & (moved[j] > -np.inf)))
        moved[j] += penalty[j]
    return dropped


@numba.njit(cache=True, nogil=True, inline="always")
def _code(i, product, x, groups, limit_members, limited):
    if not limit_members[x, i] or not _row(limited[x], i)[product]:
        return -1
    return groups[x, product]


@numba.njit(cache=True, nogil=True)
def _within_limits(i, product, groups, maxima, limit_members, limited, in_group):
    for x in range(len(maxima)):
        code = _code(i, product, x, groups, limit_members, limited)
        if code >= 0 and in_group[x, code] >= maxima[x]:
            return False
    return True


@numba.njit(cache=True, nogil=True)
def _accept(i, product, groups, limit_members, limited, in_group):
    for x in range(in_group.shape[0]):
        code = _code(i, product, x, groups, limit_members, limited)
        if code >= 0:
            in_group[x, code] += 1
