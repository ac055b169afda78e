"""The exact part of curation, one member at a time in compiled code (numba).

For each member the kernel passes over the products to mark candidates (a finite score,
allowed by the member's segment and own masks), to find the spread of their scores and add
the boosts, and to note the best score of each run of ``CHUNK`` products. It then keeps a
shortlist: the best ``size`` candidates (only runs whose best can make the list are looked
into), plus for every ``promote`` rule the best ``2 * quota + 8`` products it may reserve
places for. The shortlist is walked rank by rank: first each promotion's places, then the
rest, every ``limit`` kept. When the limits leave the selection short and there are
candidates beyond the shortlist, the products of the groups the selection has filled leave the
candidates and the member is walked again; only when that frees nothing does the shortlist
grow fourfold.

Ties are broken by product order (the earlier product first), so a selection never depends
on how the work was split up.
"""

from __future__ import annotations

from typing import NamedTuple

import numba
import numpy as np

from loyalty.brand_fit.block import BlockRules

PROMOTE_EXTRA = 8
# Shortlists longer than this are sorted whole instead of kept sorted while scanning.
SORT_WHOLE = 256
# Shortlists are found run by run: runs of this many products whose best is too low are skipped.
CHUNK = 64


class Pick(NamedTuple):
    """Selected product indices (-1 pads) and their moved scores, one row per member."""

    products: np.ndarray
    scores: np.ndarray


class KernelRules(NamedTuple):
    """A block's rules as the kernel reads them (see :func:`kernel_rules`)."""

    segment: np.ndarray
    allowed_by_segment: np.ndarray
    allowed_by_member: np.ndarray
    boost_by_segment: np.ndarray
    boost_by_member: np.ndarray
    promoted: np.ndarray
    promoted_products: np.ndarray
    promotion_members: np.ndarray
    shares: np.ndarray
    groups: np.ndarray
    maxima: np.ndarray
    limit_members: np.ndarray
    limited: np.ndarray
    products_by_group: np.ndarray
    group_start: np.ndarray


def kernel_rules(rules: BlockRules) -> KernelRules:
    """Stack a block's masks, promotions and limits into arrays, once per block.

    Empty arrays stand for "none" (no member masks, no boosts, no promotions, no limits).
    """
    masks = rules.masks
    block, total = len(masks.segment), len(rules.product_ids)
    promotions, limits = rules.promotions, rules.limits
    groups = _stack([x.groups for x in limits], (0, total), np.int64)
    products_by_group, group_start = _group_index(groups)
    return KernelRules(
        masks.segment.astype(np.int64),
        _or_empty(masks.by_segment["allowed"], np.ones((1, total), bool)),
        _or_empty(masks.by_member["allowed"], np.ones((0, total), bool)),
        _or_empty(masks.by_segment["boost"], np.zeros((0, total), np.float32)),
        _or_empty(masks.by_member["boost"], np.zeros((0, total), np.float32)),
        _per_member([x.products for x in promotions], block, total),
        _matching([x.products for x in promotions], total),
        _stack([x.members for x in promotions], (0, block), bool),
        np.array([x.share for x in promotions], dtype=np.float64),
        groups,
        np.array([x.max for x in limits], dtype=np.int64),
        _stack([x.members for x in limits], (0, block), bool),
        _per_member([x.products for x in limits], block, total),
        products_by_group,
        group_start,
    )


def pick(scores: np.ndarray, rules: KernelRules, n: int, size: int, base=None, first=0) -> Pick:
    """Select up to ``n`` products per member from ``scores`` (m, products) under ``rules``.

    ``size`` is the first shortlist's length. ``base`` (m,) is each member's affinity line:
    a product counts as liked (for ``promote``) when its score is above it; 0 by default.
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
        first,
        *rules[:8],
        quotas,
        *rules[9:],
        min(size, total),
        products,
        chosen,
    )
    return Pick(products, chosen)


def _matching(masks: list[np.ndarray], total: int) -> np.ndarray:
    """Per promotion, the products it matches (-1 pads); all -2 when it reads history."""
    found = [np.flatnonzero(mask) if mask.ndim == 1 else None for mask in masks]
    width = max([len(x) for x in found if x is not None] + [1])
    listed = np.full((len(masks), width), -1, dtype=np.int64)
    for p, products in enumerate(found):
        if products is None:
            listed[p] = -2
        else:
            listed[p, : len(products)] = products
    return listed


def _group_index(groups: np.ndarray):
    """Per limit, its products ordered by group, and where each group starts (CSR-like)."""
    group_count = max(int(groups.max(initial=-1)) + 1, 1)
    products_by_group = np.argsort(groups, axis=1, kind="stable")
    starts = np.zeros((len(groups), group_count + 1), dtype=np.int64)
    for x, codes in enumerate(groups):
        counts = np.bincount(codes[codes >= 0], minlength=group_count)
        starts[x, 1:] = np.cumsum(counts)
        starts[x] += (codes < 0).sum()  # code -1 sorts first: not in any group
    return np.ascontiguousarray(products_by_group), starts


def _or_empty(array, empty):
    return empty if array is None else np.ascontiguousarray(array)


def _stack(arrays, empty_shape, dtype):
    if not arrays:
        return np.zeros(empty_shape, dtype=dtype)
    return np.ascontiguousarray(np.stack(arrays), dtype=dtype)


def _per_member(masks: list[np.ndarray], m: int, total: int) -> np.ndarray:
    """Product masks as (rules, 1 or m, products): one row for all, or one per member."""
    if not masks:
        return np.zeros((0, 1, total), dtype=bool)
    if all(mask.ndim == 1 for mask in masks):
        return np.ascontiguousarray(np.stack(masks)[:, None, :], dtype=bool)
    return np.ascontiguousarray(np.stack([np.broadcast_to(x, (m, total)) for x in masks]))


@numba.njit(cache=True, nogil=True)
def _curate_members(
    scores,
    base,
    first,
    segment,
    allowed_by_segment,
    allowed_by_member,
    boost_by_segment,
    boost_by_member,
    promoted,
    promoted_products,
    promotion_members,
    quotas,
    groups,
    maxima,
    limit_members,
    limited,
    products_by_group,
    group_start,
    first_size,
    out_products,
    out_scores,
):
    m, total = scores.shape
    n = out_products.shape[1]
    moved = np.empty(total, dtype=np.float32)
    run_best = np.empty((total + CHUNK - 1) // CHUNK, dtype=np.float32)
    width = total + (2 * quotas + PROMOTE_EXTRA).sum()
    pool = np.empty(width, dtype=np.int64)
    values = np.empty(width, dtype=np.float32)
    accepted = np.zeros(width, dtype=np.bool_)
    marked = np.zeros(total, dtype=np.bool_)
    in_group = np.zeros((len(maxima), group_start.shape[1] - 1), dtype=np.int32)
    for row in range(m):
        i = first + row  # the member's row in the block's rules
        count = _candidates(scores[row], segment[i], i, allowed_by_segment, allowed_by_member,
                            boost_by_segment, boost_by_member, moved, run_best)  # fmt: skip
        size = first_size
        while True:
            filled = _shortlist(scores[row], base[row], i, moved, run_best, promoted,
                                promoted_products, promotion_members, quotas, size, pool,
                                values)  # fmt: skip
            taken = _walk(i, pool, filled, scores[row], base[row], promoted, promotion_members,
                          quotas, groups, maxima, limit_members, limited, in_group, accepted,
                          n)  # fmt: skip
            if taken >= n or count <= size or size >= total:
                break
            # Limits rejected much of the shortlist (a boosted brand with a limit per brand):
            # the products of every group the selection has filled can never be taken, so
            # they leave the candidates and the same length is tried again. Only when that
            # frees nothing does the shortlist grow.
            dropped = _drop_full_groups(i, moved, pool, filled, accepted, marked, groups,
                                        maxima, limit_members, limited, in_group,
                                        products_by_group, group_start)  # fmt: skip
            count -= dropped
            if dropped:
                _fill_run_best(moved, run_best)
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


# Scores hold -inf but never NaN: no-NaN maths lets the max and min reductions vectorise.
@numba.njit(cache=True, nogil=True, fastmath={"nnan", "reassoc", "nsz"})
def _candidates(row, seg, i, allowed_by_segment, allowed_by_member, boost_by_segment,
                boost_by_member, moved, run_best):  # fmt: skip
    """Fill ``moved`` (-inf: no candidate) and the best of each run of ``CHUNK`` products.

    Returns the member's number of candidates. One simple loop per step, so that each
    vectorises.
    """
    total = len(row)
    allowed = allowed_by_segment[seg]
    if allowed_by_member.shape[0]:
        own = allowed_by_member[i]
        for j in range(total):
            moved[j] = row[j] if allowed[j] & own[j] & (row[j] < np.inf) else -np.inf
    else:
        for j in range(total):
            moved[j] = row[j] if allowed[j] & (row[j] < np.inf) else -np.inf
    count = 0
    high = np.float32(-np.inf)
    low = np.float32(np.inf)
    for j in range(total):
        value = moved[j]
        candidate = value > -np.inf
        count += candidate
        high = max(high, value)
        low = min(low, value if candidate else np.float32(np.inf))
    if count and (boost_by_segment.shape[0] or boost_by_member.shape[0]):
        scale = max(abs(high), abs(low))
        # A little more than the spread, so that strength 1 wins ties against the best product.
        spread = np.float32((high - low) * 1.001 + 1e-6 * (1.0 + scale))
        if boost_by_segment.shape[0]:
            boost = boost_by_segment[seg]
            for j in range(total):
                moved[j] += boost[j] * spread  # -inf stays -inf
        if boost_by_member.shape[0]:
            boost = boost_by_member[i]
            for j in range(total):
                moved[j] += boost[j] * spread
    _fill_run_best(moved, run_best)
    return count


# Scores hold -inf but never NaN: no-NaN maths lets the max reductions vectorise.
@numba.njit(cache=True, nogil=True, fastmath={"nnan", "reassoc", "nsz"})
def _fill_run_best(moved, run_best):
    for chunk in range(len(run_best)):
        best = np.float32(-np.inf)
        for j in range(chunk * CHUNK, min(chunk * CHUNK + CHUNK, len(moved))):
            best = max(best, moved[j])
        run_best[chunk] = best


@numba.njit(cache=True, nogil=True)
def _shortlist(row, base, i, moved, run_best, promoted, promoted_products, promotion_members,
               quotas, size, pool, values):  # fmt: skip
    """The best ``size`` candidates and each promotion's best, best first, without repeats."""
    lists = 1 + len(quotas)
    starts = np.zeros(lists + 1, dtype=np.int64)
    sizes = np.zeros(lists, dtype=np.int64)
    sizes[0] = 0 if size > SORT_WHOLE else size
    for p in range(len(quotas)):
        sizes[p + 1] = 2 * quotas[p] + PROMOTE_EXTRA if promotion_members[p, i] else 0
    for x in range(lists):
        starts[x + 1] = starts[x] + sizes[x]
    filled = np.zeros(lists, dtype=np.int64)
    lows = np.full(lists, -np.inf, dtype=np.float32)
    total = len(moved)
    # The best of each run of CHUNK products. The size-th best of these bounds the size-th
    # best product from below, so the main list only looks into runs that reach the bound.
    bound = -np.inf
    if 0 < sizes[0] < len(run_best):
        bound = np.partition(run_best, len(run_best) - sizes[0])[len(run_best) - sizes[0]]
    for p in range(len(quotas)):
        x = p + 1
        if sizes[x] == 0 or promoted_products[p, 0] == -2:
            continue
        for j in promoted_products[p]:  # the products the promotion matches, in order
            if j < 0:
                break
            value = moved[j]
            if value > lows[x] and row[j] > base:
                filled[x], lows[x] = _insert(pool, values, starts[x], sizes[x], filled[x], j,
                                             value)  # fmt: skip
    for x in range(lists):
        if sizes[x] == 0 or (x > 0 and promoted_products[x - 1, 0] != -2):
            continue
        for chunk in range(len(run_best)):
            if run_best[chunk] <= lows[x] or (run_best[chunk] < bound and x == 0):
                continue
            for j in range(chunk * CHUNK, min(chunk * CHUNK + CHUNK, total)):
                value = moved[j]
                if value <= lows[x] or (
                    x > 0 and not (row[j] > base and _row(promoted[x - 1], i)[j])
                ):
                    continue
                filled[x], lows[x] = _insert(pool, values, starts[x], sizes[x], filled[x], j,
                                             value)  # fmt: skip
    # Close the gaps between lists that were not filled up.
    end = 0
    for x in range(lists):
        for r in range(starts[x], starts[x] + filled[x]):
            pool[end] = pool[r]
            values[end] = values[r]
            end += 1
    if size > SORT_WHOLE:
        end = _best_sorted(moved, size, pool, values, end)
    # Best first, ties by catalogue order: a product listed twice lands next to itself.
    order = np.argsort(pool[:end], kind="mergesort")
    order = order[np.argsort(-values[:end][order], kind="mergesort")]
    products = pool[:end][order]
    found = values[:end][order]
    kept = 0
    for r in range(end):
        if kept and pool[kept - 1] == products[r]:
            continue
        pool[kept] = products[r]
        values[kept] = found[r]
        kept += 1
    return kept


@numba.njit(cache=True, nogil=True, inline="always")
def _insert(pool, values, start, size, filled, j, value):
    """Insert product ``j`` into a list kept best first; return its fill and worst value."""
    if filled < size:
        r = start + filled
        filled += 1
    else:
        r = start + size - 1
    while r > start and values[r - 1] < value:
        pool[r] = pool[r - 1]
        values[r] = values[r - 1]
        r -= 1
    pool[r] = j
    values[r] = value
    low = values[start + size - 1] if filled == size else np.float32(-np.inf)
    return filled, low


@numba.njit(cache=True, nogil=True)
def _best_sorted(moved, size, pool, values, start):
    """Append the ``size`` best candidates by sorting them all (for long shortlists)."""
    found = np.flatnonzero(moved > -np.inf)
    order = np.argsort(-moved[found], kind="mergesort")[:size]
    for r in range(len(order)):
        pool[start + r] = found[order[r]]
        values[start + r] = moved[found[order[r]]]
    return start + len(order)


@numba.njit(cache=True, nogil=True)
def _walk(i, pool, filled, row, base, promoted, promotion_members, quotas, groups, maxima,
          limit_members, limited, in_group, accepted, n):  # fmt: skip
    """Accept products down the shortlist: each promotion's places first, then the rest."""
    accepted[:filled] = False
    taken = 0
    for p in range(len(quotas)):
        if not promotion_members[p, i]:
            continue
        have = 0
        for r in range(filled):
            if accepted[r] and row[pool[r]] > base and _row(promoted[p], i)[pool[r]]:
                have += 1
        for r in range(filled):
            if have >= quotas[p] or taken >= n:
                break
            product = pool[r]
            if accepted[r] or not (row[product] > base and _row(promoted[p], i)[product]):
                continue
            if _within_limits(i, product, groups, maxima, limit_members, limited, in_group):
                _accept(i, product, groups, limit_members, limited, in_group)
                accepted[r] = True
                have += 1
                taken += 1
    for r in range(filled):
        if taken >= n:
            break
        product = pool[r]
        if accepted[r]:
            continue
        if _within_limits(i, product, groups, maxima, limit_members, limited, in_group):
            _accept(i, product, groups, limit_members, limited, in_group)
            accepted[r] = True
            taken += 1
    return taken


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
def _drop_full_groups(i, moved, pool, filled, accepted, marked, groups, maxima, limit_members,
                      limited, in_group, products_by_group, group_start):  # fmt: skip
    """Take the products of full groups, but the accepted ones, out of the candidates.

    Returns how many were taken out.
    """
    for r in range(filled):
        marked[pool[r]] = accepted[r]
    dropped = 0
    for r in range(filled):
        if not accepted[r]:
            continue
        for x in range(len(maxima)):
            code = _code(i, pool[r], x, groups, limit_members, limited)
            if code < 0 or in_group[x, code] < maxima[x]:
                continue
            for k in range(group_start[x, code], group_start[x, code + 1]):
                j = products_by_group[x, k]
                if moved[j] > -np.inf and _row(limited[x], i)[j] and not marked[j]:
                    moved[j] = -np.inf
                    dropped += 1
    for r in range(filled):
        marked[pool[r]] = False
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
