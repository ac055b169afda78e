"""Selections: the ranked products for each member and channel, with a score and a reason.

Members are scored in blocks (habits, rules and reasons are worked out once per block) and,
within a block, in slices of a few dozen members that stay in the processor's cache: one
matrix product per slice gives every product's discovery score, the members' own products get
their habit score, masks (channel, inactive products, ``only_new``, an optional ``item_mask``)
set what may not be shown to ``-inf``, and a top-``n`` of the whole slice at once picks the
list. With a compiled brand-fit rule set, the slice is curated under its rules instead
(:mod:`recommender.curation`). Reasons are written only for the products that made the list.

Members without a history in the model, or without consent to personalisation, get what is
popular in their segment (their tier; with fewer than ``MIN_SEGMENT_MEMBERS`` members known in
it, among all members), marked ``personalized=False``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyalty.brand_fit.compile import CompiledRules
from loyalty.journey import DEFAULT_THRESHOLDS, JourneyThresholds
from recommender.curation import BrandFit
from recommender.kept import kept, members_by_id
from recommender.model import SelectionModel, known_member_rows
from recommender.ranking import mask_own, top_k
from recommender.reasons import NAMED, discovery_sources, reason_texts
from recommender.training import pair_keys

COLUMNS = ["member_id", "rank", "product_id", "score", "kind", "reason", "personalized"]
BLOCK = 1024
MIN_SEGMENT_MEMBERS = 50
KINDS = pd.array(["discovery", "favourite"], dtype="str")  # by ``is_own``
# Scores made and ranked at once, each slice one matrix product into one reused array: about
# 10 MB of float32, so that a slice stays in the cache from the product to the top products,
# but at least one member per 400 products. The product packs every product's factors once
# per call, which a call of few members pays per member: among 50,000 products, 50 members a
# call (10 MB) took 90 µs a member for the product alone and 256 members 71 µs.
# The height is fixed, not timed: with OpenBLAS on an AMD EPYC (Zen), a score's last bit
# depends on which rows share its matrix product, so slices chosen by timing (sessions 14 to
# 16 timed twice this height and kept the faster) made two runs of the same inputs differ in
# a few scores' last bit (525 of 112,934 offers). Fixed slices of each block give the same
# offers in every run, locally and on Spark. Twice the height was 3 to 6 % faster on one AMD
# machine, 8 % slower on an Intel one, and no different on another AMD one.
SCORED_VALUES = 2_500_000
PRODUCTS_PER_ROW = 400


def score_rows(n_products: int) -> int:
    """Members scored at once (8 to 256): see ``SCORED_VALUES``."""
    cached, packed = SCORED_VALUES // max(n_products, 1), n_products // PRODUCTS_PER_ROW
    return int(np.clip(max(cached, packed), 8, 256))


def available_products(model: SelectionModel, products: pd.DataFrame | None, channel) -> np.ndarray:
    """Products that may be shown: active, and sold in ``channel`` when one is given.

    Without a products table every product the model knows is available; with one, products
    missing from it are not (nothing is known about whether they are still sold). Kept per
    model, catalogue and channel (:mod:`recommender.kept`): do not change the array.
    """
    return kept(
        f"available:{channel}",
        (model.dataset_, products),
        lambda: _available(model, products, channel),
    )


def _available(model: SelectionModel, products: pd.DataFrame | None, channel) -> np.ndarray:
    if products is None:
        return np.ones(model.dataset_.shape[1], dtype=bool)
    table = products.set_index(products["product_id"].astype(str))
    table = table[~table.index.duplicated()].reindex(model.dataset_.product_ids)
    allowed = table["product_id"].notna().to_numpy().copy()
    if "active" in table:
        allowed &= table["active"].fillna(False).astype(bool).to_numpy()
    if channel is not None and "channels" in table:
        sold = table["channels"].fillna("").astype(str).str.split(";")
        allowed &= sold.apply(lambda channels: channel in channels).to_numpy()
    return allowed


def product_names(model: SelectionModel, products: pd.DataFrame | None) -> np.ndarray:
    """Display name per model column (the id when no name is known), plus "" for column -1."""
    return kept("names", (model.dataset_, products), lambda: _names(model, products))


def product_id_texts(model: SelectionModel) -> pd.api.extensions.ExtensionArray:
    """The model's product ids as a text array, to take columns of selections from."""
    return kept(
        "product ids", (model.dataset_,), lambda: pd.array(model.dataset_.product_ids, dtype="str")
    )


def _names(model: SelectionModel, products: pd.DataFrame | None) -> np.ndarray:
    names = pd.Series(model.dataset_.product_ids, index=model.dataset_.product_ids)
    if products is not None and "name" in products:
        table = products.drop_duplicates("product_id").set_index(products["product_id"].astype(str))
        known = table["name"].reindex(names.index)
        names = known.where(known.notna() & (known.astype(str) != ""), names)
    return np.append(names.astype(str).to_numpy(), "")


def recommend(model: SelectionModel, member_ids=None, **options) -> pd.DataFrame:
    """Selections of ``n`` products for members, one row per (member, rank).

    ``options`` are the keyword arguments of :func:`recommend_with_changes` but
    ``explain_rules``; with their defaults:

    Parameters
    ----------
    model : SelectionModel
        A fitted (or loaded) model.
    member_ids : list of str, optional
        Members to select for; ``None`` means all members (of ``members``, else of the model).
    n : int
        Products per member.
    channel : {"web", "store"}, optional
        Only products whose ``channels`` include it.
    only_new : bool
        Leave out every product the member ever bought.
    products, members : DataFrame, optional
        Catalogue (availability, names) and members (consent, tier for the fallback).
    item_mask : array of bool, optional
        Brand-fit layer: ``(products,)`` or ``(len(member_ids), products)`` in the order of
        ``model.dataset_.product_ids``; False means never show.
    score_offset : array of float, optional
        Brand-fit layer: added to the log-odds, same shapes as ``item_mask``.
    as_of : timestamp, optional
        The day the selection is for (recency and cycles are counted up to it).
    rules : CompiledRules, optional
        The published rule set, compiled for the day (``compile_rules``) over the catalogue;
        every rule that applies to the member, ``channel`` and day is kept, in personal and
        fallback selections alike (without a channel, the rules of every channel). A selection
        the rules leave short is shorter; products missing from the catalogue are never shown.
    journey : JourneyThresholds
        How the ``journey_stage`` rules read is worked out.
    scope : {"selection", "offers"}
        Which rules are kept: those that apply to selections, or to offers (offer candidates).

    Returns
    -------
    DataFrame with columns ``member_id, rank, product_id, score, kind, reason, personalized``
    (and ``ruleset_version`` when ``rules`` are given); ``kind`` is ``favourite`` (bought before)
    or ``discovery``; fallback rows have ``personalized=False``. With rules, ``score`` is the
    curated score: the log-odds moved by boosts and buries.
    """
    return recommend_with_changes(model, member_ids, **options)[0]


def recommend_with_changes(
    model: SelectionModel,
    member_ids=None,
    *,
    n: int = 10,
    channel: str | None = None,
    only_new: bool = False,
    products: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
    item_mask: np.ndarray | None = None,
    score_offset: np.ndarray | None = None,
    as_of=None,
    rules: CompiledRules | None = None,
    block_size: int = BLOCK,
    explain_rules: bool = False,
    journey: JourneyThresholds = DEFAULT_THRESHOLDS,
    scope: str = "selection",
) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """:func:`recommend`, plus which rule removed or moved which product (for previews).

    Returns
    -------
    selection : DataFrame
        As :func:`recommend` returns it.
    changes : DataFrame or None
        With ``rules`` and ``explain_rules``: ``member_id, product_id, rule_id, action`` for
        every product the rules changed against the selection without rules (actions as in
        ``loyalty.brand_fit.explain``); this part loops over members.
    """
    ids = _requested_members(model, member_ids, members)
    brand_fit = None
    if rules is not None:
        allowed = available_products(model, products, channel)
        brand_fit = BrandFit.prepare(
            model, rules, channel, ids, members, as_of, explain_rules, journey, scope, allowed
        )
    selection = selection_rows(
        model,
        ids,
        brand_fit,
        n=n,
        channel=channel,
        only_new=only_new,
        products=products,
        members=members,
        item_mask=item_mask,
        score_offset=score_offset,
        as_of=as_of,
        block_size=block_size,
    )
    selection = selection.drop(columns=[c for c in selection if c.startswith("_")])
    if rules is None:
        return selection, None
    changes = brand_fit.explanations() if explain_rules else None
    return selection.assign(ruleset_version=rules.version), changes


def selection_rows(
    model: SelectionModel,
    ids: np.ndarray,
    brand_fit: BrandFit | None,
    *,
    n: int,
    channel: str | None,
    only_new: bool = False,
    products: pd.DataFrame | None = None,
    members: pd.DataFrame | None = None,
    item_mask: np.ndarray | None = None,
    score_offset: np.ndarray | None = None,
    as_of=None,
    block_size: int = BLOCK,
) -> pd.DataFrame:
    """The selections of members ``ids`` under ``brand_fit`` (prepared for them), as
    :func:`recommend` returns them, with each row's ``_member`` (place in ``ids``) and
    ``_column`` (the product's model column). With a ``brand_fit`` for offers,
    ``_max_discount`` too: the highest discount percent its ``max_discount`` rules allow (100
    where none limits), from the rules the curation evaluated.
    """
    rows = known_member_rows(model, ids)
    consent = _consent(ids, members)
    personal = (rows >= 0) & consent
    if brand_fit is None:
        shelf = model.shelf(available_products(model, products, channel))
    else:
        shelf = brand_fit.shelf
    names = product_names(model, products)
    parts = []
    personal_at = np.flatnonzero(personal)
    for start in range(0, len(personal_at), block_size):
        at = personal_at[start : start + block_size]
        parts.append(
            _personal_block(
                model,
                shelf,
                ids[at],
                rows[at],
                at,
                n,
                only_new,
                names,
                item_mask,
                score_offset,
                as_of,
                brand_fit,
            )
        )
    fallback_at = np.flatnonzero(~personal)
    if len(fallback_at):
        parts.append(
            _popular_in_segment(
                model,
                shelf,
                ids,
                rows,
                fallback_at,
                consent,
                members,
                n,
                only_new,
                item_mask,
                score_offset,
                brand_fit,
            )
        )
    if not parts:
        empty = {c: pd.Series(dtype=object) for c in COLUMNS}
        empty |= {"_member": pd.Series(dtype=np.int64), "_column": pd.Series(dtype=np.int64)}
        if _caps_wanted(brand_fit):
            empty["_max_discount"] = pd.Series(dtype=np.float64)
        return pd.DataFrame(empty)
    selection = pd.concat(parts, ignore_index=True)
    if len(fallback_at):  # personal blocks alone are already in the order asked for
        order = np.lexsort((selection["rank"].to_numpy(), selection["_member"].to_numpy()))
        selection = selection.take(order)
    return selection.reset_index(drop=True)


def _caps_wanted(brand_fit: BrandFit | None) -> bool:
    return brand_fit is not None and brand_fit.scope == "offers"


def _requested_members(model, member_ids, members) -> np.ndarray:
    if member_ids is not None:
        return np.asarray(member_ids).astype(str)
    if members is not None:
        return members["member_id"].astype(str).to_numpy()
    return model.dataset_.member_ids


def _consent(ids: np.ndarray, members: pd.DataFrame | None) -> np.ndarray:
    """Consent to personalisation per requested member; unknown members count as consenting."""
    if members is None or "consent_personalization" not in members:
        return np.ones(len(ids), dtype=bool)
    consent = members_by_id(members)["consent_personalization"]
    return consent.reindex(ids).fillna(True).astype(bool).to_numpy()


def _block_of(layer, at: np.ndarray, shelf):
    """The rows of a per-member brand-fit layer that belong to this block (or the vector),
    at the shelf's products."""
    if layer is None:
        return None
    layer = np.asarray(layer)
    return (layer[at] if layer.ndim == 2 else layer)[..., shelf.columns]


def _personal_block(
    model, shelf, ids, rows, at, n, only_new, names, item_mask, offset, as_of, brand_fit
):
    """Selections of one block of members with a history.

    The block's habits and rules are worked out once; its scores are made and ranked a slice
    of rows at a time (:func:`score_rows` rows) in one reused array.
    """
    now = model.now_day(as_of)
    block, cols, habit, positions = model.habit_scores(rows, now)
    # Own products replace their discovery score; those off the shelf are never shown.
    places = shelf.places[cols]
    on_shelf = places >= 0
    placed_block, places, habit = block[on_shelf], places[on_shelf], habit[on_shelf]
    habit = np.full(len(habit), -np.inf, np.float32) if only_new else habit
    curation = None if brand_fit is None else brand_fit.block(model, at, rows)
    explaining = brand_fit is not None and brand_fit.changes is not None
    at_once = len(rows) if explaining else score_rows(len(shelf.columns))
    parts, buffer = [], None
    for start in range(0, len(rows), at_once):
        part = slice(start, start + at_once)
        scores = model.discovery_scores(rows[part], shelf, out=buffer)
        buffer = scores if buffer is None else buffer
        first, last = np.searchsorted(placed_block, [start, start + len(scores)])
        scores[placed_block[first:last] - start, places[first:last]] = habit[first:last]
        if offset is not None:
            scores += _block_of(offset, at[part], shelf).astype(np.float32)
        if item_mask is not None:
            allowed = np.broadcast_to(_block_of(item_mask, at[part], shelf), scores.shape)
            scores[~allowed] = -np.inf
        parts.append(_top(scores, n, curation, start))
    on_shelf_chosen, best = _stacked(parts)
    chosen = shelf.model_columns(on_shelf_chosen)
    n_model = shelf.size
    own_keys = pair_keys(block, cols, n_model)
    chosen_keys = pair_keys(np.arange(len(rows))[:, None], chosen, n_model)
    found = np.searchsorted(own_keys, chosen_keys).clip(max=max(len(own_keys) - 1, 0))
    is_own = own_keys[found] == chosen_keys if len(own_keys) else np.zeros(chosen.shape, bool)
    is_own &= chosen >= 0
    frame = _rows_frame(model, ids, rows, chosen, best, is_own, positions[found], now, names)
    shown = chosen.ravel() >= 0
    frame["_member"] = np.repeat(at, chosen.shape[1])[shown]
    frame["_column"] = chosen.ravel()[shown]
    if _caps_wanted(brand_fit):
        frame["_max_discount"] = curation.discount_caps(on_shelf_chosen).ravel()[shown]
    return frame


def _rows_frame(model, ids, rows, chosen, best, is_own, own_positions, now, names):
    """Long-format selection rows with kinds and reasons for one block."""
    habits = model.habits_
    sources = discovery_sources(model.item_factors_, habits, rows, chosen, is_own)
    shown = chosen.ravel() >= 0
    own = is_own.ravel()[shown]
    at = own_positions.ravel()[shown]
    reason = reason_texts(
        own,
        habits.values["trips"][at],
        now - habits.values["last_day"][at],
        sources.reshape(-1, NAMED)[shown],
        names,
    )
    return pd.DataFrame(
        {
            "member_id": pd.array(ids, dtype="str").take(np.flatnonzero(shown) // chosen.shape[1]),
            "rank": np.tile(np.arange(1, chosen.shape[1] + 1), len(ids))[shown],
            "product_id": product_id_texts(model).take(chosen.ravel()[shown]),
            "score": best.ravel()[shown].astype(np.float64),
            "kind": KINDS.take(own.astype(np.int64)),
            "reason": reason,
            "personalized": True,
        }
    )


def _segments(ids: np.ndarray, members: pd.DataFrame | None) -> pd.Series:
    """Segment (tier) of each member; "all" when unknown."""
    if members is None or "tier" not in members:
        return pd.Series("all", index=ids)
    return members_by_id(members)["tier"].reindex(ids).fillna("all").astype(str)


def _segment_masks(model, members: pd.DataFrame | None) -> dict[str, tuple[np.ndarray, int]]:
    """Per segment, which of the model's members are in it, and how many: worked out once per
    model and members (comparing a million members' tiers took 20 ms a call)."""
    segment_of = _segments(model.dataset_.member_ids, members).to_numpy()
    codes, names = pd.factorize(segment_of)
    counts = np.bincount(codes, minlength=len(names))
    return {str(name): (codes == code, int(counts[code])) for code, name in enumerate(names)}


def _top(scores: np.ndarray, n: int, curation, first: int):
    """The top ``n`` of every row of ``scores`` (the block's rows ``first`` on), curated under
    the block's rules when there are rules."""
    return top_k(scores, n) if curation is None else curation.select(scores, first, n)


def _stacked(parts: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """Lists of slices one under the other; a shorter slice is padded with -1 and -inf."""
    if not parts:
        return np.empty((0, 0), np.int64), np.empty((0, 0), np.float32)
    width = max(chosen.shape[1] for chosen, _ in parts)
    chosen = [np.pad(c, ((0, 0), (0, width - c.shape[1])), constant_values=-1) for c, _ in parts]
    best = [np.pad(b, ((0, 0), (0, width - b.shape[1])), constant_values=-np.inf) for _, b in parts]
    return np.vstack(chosen), np.vstack(best)


def _popular_scores(model, shelf, row, members_at, rows, offset, mask, only_new) -> np.ndarray:
    """The segment's popularity ``row`` (over the shelf) for some members, under their masks
    and offsets."""
    scores = np.broadcast_to(row.astype(np.float32), (len(members_at), len(row))).copy()
    if offset is not None:
        scores += _block_of(offset, members_at, shelf).astype(np.float32)
    if mask is not None:
        scores[~np.broadcast_to(_block_of(mask, members_at, shelf), scores.shape)] = -np.inf
    if only_new:
        own_rows = rows[members_at]
        has = own_rows >= 0
        if has.any():
            sub = scores[has]
            mask_own(sub, model.habits_.matrix("trips"), own_rows[has], shelf.places)
            scores[has] = sub
    return scores


def _segment_lists(model, shelf, row, members_at, rows, n, only_new, mask, offset, brand_fit):
    """The lists of a segment's members ``members_at`` from its popularity ``row``.

    The segment's rules are worked out once. Members with the same scores (no mask, offset or
    ``only_new`` of their own) whom the rules treat alike get the same list: it is worked out
    once for each such group.
    """
    curation = None if brand_fit is None else brand_fit.block(model, members_at, rows[members_at])
    alike = None
    if mask is None and offset is None and not only_new:
        alike = np.zeros(len(members_at), np.int64) if curation is None else curation.alike()
    if alike is None:
        return _curated(model, shelf, row, members_at, rows, n, only_new, mask, offset, curation)
    first, group = np.unique(alike, return_inverse=True)
    if brand_fit is not None:
        curation = brand_fit.block(model, members_at[first], rows[members_at[first]])
    chosen, best = _curated(
        model, shelf, row, members_at[first], rows, n, False, None, None, curation
    )
    return chosen[group], best[group]


def _curated(model, shelf, row, members_at, rows, n, only_new, mask, offset, curation):
    """Lists from the popularity ``row``, curated a slice at a time (the whole block when the
    rules' changes are explained)."""
    explaining = curation is not None and curation.brand_fit.changes is not None
    at_once = len(members_at) if explaining else score_rows(len(row))
    parts = []
    for start in range(0, len(members_at), at_once):
        part = members_at[start : start + at_once]
        scores = _popular_scores(model, shelf, row, part, rows, offset, mask, only_new)
        parts.append(_top(scores, n, curation, start))
    return _stacked(parts)


def _popular_in_segment(
    model, shelf, ids, rows, at, consent, members, n, only_new, mask, offset, brand_fit
):
    """Non-personalised selections: products most bought (recently) by the member's segment."""
    segments = kept("segments", (model.dataset_, members), lambda: _segment_masks(model, members))
    wanted = _segments(ids[at], members).to_numpy()
    frames = []
    for segment in np.unique(wanted):  # a handful of tiers, not members
        members_at = at[wanted == segment]
        in_segment, known = segments.get(segment, (None, 0))
        # A segment of a few members (or a members frame that holds only the members asked
        # for) would show them their own purchases: personalisation without consent.
        if known < MIN_SEGMENT_MEMBERS:
            in_segment, segment = np.ones(model.dataset_.shape[0], dtype=bool), "all"
        popularity = model.popularity(in_segment)[shelf.columns]
        row = np.where(popularity > 0, np.log1p(popularity), -np.inf)
        on_shelf, best = _segment_lists(
            model, shelf, row, members_at, rows, n, only_new, mask, offset, brand_fit
        )
        chosen = shelf.model_columns(on_shelf)
        why = np.where(
            consent[members_at], "no purchase history yet", "no consent to personalisation"
        )
        label = "members" if segment == "all" else f"{segment} members"
        reason = np.repeat(f"Popular with {label} (not personalised: ", len(members_at)) + why + ")"
        frame = pd.DataFrame(
            {
                "member_id": np.repeat(ids[members_at], chosen.shape[1]),
                "rank": np.tile(np.arange(1, chosen.shape[1] + 1), len(members_at)),
                "product_id": model.dataset_.product_ids[np.maximum(chosen, 0)].ravel(),
                "score": best.ravel().astype(np.float64),
                "kind": "discovery",
                "reason": np.repeat(reason, chosen.shape[1]),
                "personalized": False,
                "_member": np.repeat(members_at, chosen.shape[1]),
                "_column": chosen.ravel(),
            }
        )
        if _caps_wanted(brand_fit):
            caps = brand_fit.discount_caps(model, members_at, rows[members_at], on_shelf)
            frame["_max_discount"] = caps.ravel()
        frames.append(frame[chosen.ravel() >= 0])
    return pd.concat(frames, ignore_index=True)
