"""Brand-fit rules inside selections: the model's scores curated under a compiled rule set.

:class:`BrandFit` is made once per selection run. It lays the rules over the model's products
(compiled once per model and rule set, kept between serving calls) and gathers the member
fields rules read. Per block of members it builds the members' history (``times_bought``:
distinct days the member bought the product; ``days_since_bought``: days since the last of
them, as of the selection's day) and evaluates the rules once; the block's scores are then
curated a few rows at a time by ``loyalty.brand_fit.curate``.

Affinity (``promote``): a member likes a product when its score is above the member's base
rate (``loyalty.brand_fit.affinity``) over the products on the shelf (:mod:`recommender.shelf`):
the available products that no rule for every member excludes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import numpy as np
import pandas as pd
from scipy import sparse

from loyalty.brand_fit.affinity import base_rate
from loyalty.brand_fit.block import may_be_shown, member_scopes, rules_for_block
from loyalty.brand_fit.compile import CompiledRules, compile_rules
from loyalty.brand_fit.curate import Curator
from loyalty.brand_fit.selection import alike_members
from loyalty.brand_fit.validation import validate_rules
from loyalty.formats import CHANNELS
from loyalty.journey import DEFAULT_THRESHOLDS, JourneyThresholds, journey_stages
from recommender.dense import ProductGroups, add_group_values, add_item_to_item
from recommender.features import ProductProfile, habit_features
from recommender.habits import Habits
from recommender.kept import kept, members_by_id
from recommender.ranking import top_k
from recommender.reasons import discovery_sources
from recommender.shelf import Shelf
from recommender.training import ragged_positions, row_lengths

MEMBER_COLUMNS = ("tier", "home_store", "attributes")
CHANGE_COLUMNS = ["member_id", "product_id", "rule_id", "action"]


@dataclass
class BrandFit:
    """A compiled rule set aligned with a model's products and the members of one run.

    Attributes
    ----------
    compiled : CompiledRules
        Without a channel: the rules of every channel, over products sold in any channel.
    channel : str
    members : DataFrame
        Member fields per requested member, in the order asked for.
    now_day : float
        The selection's day in the model's day numbers.
    shelf : Shelf
        The products scored (:mod:`recommender.shelf`); ``compiled`` is laid over them.
    changes : list of DataFrame or None
        When explaining, which rule removed or moved which product, per block.
    scope : {"selection", "offers"}
        Rules that apply to it are kept.
    counted : array of bool or None
        When explaining, which products of the shelf a member's base rate counts: those the
        shelf holds when not explaining (it holds every available product then, so that a
        product the rules exclude for everyone is explained as removed by its rule).
    """

    compiled: CompiledRules
    channel: str
    members: pd.DataFrame
    now_day: float
    shelf: Shelf
    changes: list[pd.DataFrame] | None = None
    scope: str = "selection"
    scopes: list[np.ndarray] | None = None  # each rule's members in scope, once per run
    counted: np.ndarray | None = None

    @classmethod
    def prepare(
        cls,
        model,
        compiled,
        channel,
        member_ids,
        members,
        as_of,
        explain=False,
        journey=DEFAULT_THRESHOLDS,
        scope="selection",
        allowed=None,
    ):
        """Lay ``compiled`` over the shelf and gather the fields of ``member_ids``.

        ``scope`` is what the rules are kept for: ``selection`` or ``offers``. The shelf holds
        the ``allowed`` products (bool per model product; default: all) that some member may
        be shown under the rules (``loyalty.brand_fit.block.may_be_shown``).
        """
        compiled = in_model_order(model, compiled)  # kept: the shelf's rules are kept per it
        any_channel, channel = channel is None, channel or CHANNELS[0]
        shown = may_be_shown(every_channel(compiled) if any_channel else compiled, channel, scope)
        if allowed is not None:
            shown &= allowed
        shelf = model.shelf(allowed if explain else shown)
        counted = shown[shelf.columns] if explain else None
        compiled = on_shelf(compiled, shelf)
        if any_channel:
            compiled = every_channel(compiled)
        now_day = model.now_day(as_of)
        fields = member_fields(model, member_ids, members, compiled.day, now_day, journey)
        scopes = member_scopes(compiled, fields)
        changes = [] if explain else None
        return cls(compiled, channel, fields, now_day, shelf, changes, scope, scopes, counted)

    def block(self, model, at: np.ndarray, rows: np.ndarray) -> BlockCuration:
        """The rules evaluated once for the requested members ``at`` (model ``rows``)."""
        rules = self._rules(model, at, rows, self.scope)
        return BlockCuration(self, Curator(rules), self.members["member_id"].to_numpy()[at])

    def discount_caps(self, model, at: np.ndarray, rows: np.ndarray, columns: np.ndarray):
        """Highest discount percent (``max_discount`` rules) for members ``at`` on ``columns``.

        ``columns`` (m, k) are shelf columns, -1 for none; 100 where no rule limits it.
        """
        return _discount_caps(self._rules(model, at, rows, "offers"), columns)

    def _rules(self, model, at: np.ndarray, rows: np.ndarray, target: str):
        times, days = self.history(model, rows)
        scopes = None if self.scopes is None else [scope[at] for scope in self.scopes]
        fields = self.members.iloc[at]
        return rules_for_block(self.compiled, fields, self.channel, target, times, days, scopes)

    def history(self, model, rows: np.ndarray) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """``times_bought`` and ``days_since_bought`` (m, shelf products) for model ``rows``."""
        habits = model.habits_
        known = np.flatnonzero(rows >= 0)
        positions = ragged_positions(habits.indptr, rows[known])
        owners = np.repeat(known, row_lengths(habits.indptr, rows[known]))
        columns = self.shelf.places[habits.indices[positions]]
        on_shelf = columns >= 0  # a product off the shelf is never shown: no rule needs it
        positions, where = positions[on_shelf], (owners[on_shelf], columns[on_shelf])
        shape = (len(rows), self.compiled.catalogue.size)
        times = habits.values["trips"][positions]
        days = self.now_day - habits.values["last_day"][positions]
        return sparse.csr_matrix((times, where), shape), sparse.csr_matrix((days, where), shape)

    def explanations(self) -> pd.DataFrame:
        """Every change the rules made so far: ``member_id, product_id, rule_id, action``."""
        if not self.changes:
            return pd.DataFrame(columns=CHANGE_COLUMNS)
        return pd.concat(self.changes, ignore_index=True)


@dataclass
class BlockCuration:
    """One block's rules, ready to curate its scores a few rows at a time."""

    brand_fit: BrandFit
    curator: Curator
    member_ids: np.ndarray

    def select(self, scores: np.ndarray, first: int, n: int):
        """Curate ``scores`` (m, shelf products) of the block's members ``first`` on.

        Returns ``(columns, scores)`` in the shelf's order, best first, -1 and ``-inf``
        where the list is shorter.
        """
        fit = self.brand_fit
        explaining = fit.changes is not None
        liking = bool(self.curator.rules.promotions)
        base = None
        if liking and fit.counted is not None:  # the base rate over what is counted
            base, liking = base_rate(scores[:, fit.counted]), False
        curation = self.curator.curate(
            scores,
            n,
            first=first,
            explain_rules=explaining,
            affinity_base=base,
            liked_above_base_rate=liking,
        )
        if explaining:
            fit.changes.append(_changes(self.member_ids, curation.explanations))
        return curation.products, curation.scores

    def discount_caps(self, columns: np.ndarray) -> np.ndarray:
        """:meth:`BrandFit.discount_caps` of the block's members, from the rules evaluated for
        them (a brand fit for offers: ``max_discount`` rules apply to offers only)."""
        return _discount_caps(self.curator.rules, columns)

    def alike(self) -> np.ndarray | None:
        """Per member, the first member of the block the rules treat the same way (``None``:
        the rules' products differ per member); see ``loyalty.brand_fit.selection``."""
        return None if self.brand_fit.changes is not None else alike_members(self.curator.kernel)


def _discount_caps(rules, columns: np.ndarray) -> np.ndarray:
    shown = columns >= 0
    # Empty slots read column 0, unless nothing is shown: an empty shelf has no column 0.
    caps = rules.max_discount(np.where(shown, columns, 0)) if shown.any() else None
    if caps is None:
        return np.full(columns.shape, 100.0)
    # The rule masks hold caps as float32 (33.3 comes back as 33.2999992): rounded, they are
    # the percents as written, and a discount of exactly the cap is allowed.
    return np.where(shown, caps.astype(np.float64).round(4), 100.0)


def in_model_order(model, compiled: CompiledRules) -> CompiledRules:
    """``compiled`` laid over the model's products, so that scores need no reordering.

    Compiled once per model and rule set (kept between serving calls).
    """
    ids = model.dataset_.product_ids
    if compiled.product_ids is ids:  # laid over this model already (or made from such rules)
        return compiled

    def laid_over() -> CompiledRules:
        same = len(compiled.product_ids) == len(ids) and (compiled.product_ids == ids).all()
        return compiled if same else compiled.in_order(ids)

    return kept("model order", (model.dataset_, compiled), laid_over)


def on_shelf(compiled: CompiledRules, shelf: Shelf) -> CompiledRules:
    """``compiled`` (in the model's order) laid over the shelf's products, kept per shelf."""
    if len(shelf.columns) == shelf.size:
        return compiled
    return kept("on shelf", (compiled, shelf), lambda: compiled.in_order(shelf.product_ids))


def every_channel(compiled: CompiledRules) -> CompiledRules:
    """The rules for a selection not made for one channel: every rule of every channel holds.

    Products sold in any channel may appear; a rule written for one channel applies too, so
    the list breaks no rule wherever it is shown.
    """
    rules = tuple(replace(c, rule=replace(c.rule, channels=CHANNELS)) for c in compiled.rules)
    return replace(compiled, catalogue=_AnyChannel(compiled.catalogue), rules=rules)


class _AnyChannel:
    """A catalogue whose products count as sold when some channel sells them."""

    def __init__(self, catalogue):
        self._catalogue = catalogue
        self._sold = np.logical_or.reduce([catalogue.sold_in(c) for c in CHANNELS])

    def __getattr__(self, name):
        return getattr(self._catalogue, name)

    def sold_in(self, channel: str) -> np.ndarray:
        return self._sold


def member_fields(
    model,
    member_ids,
    members: pd.DataFrame | None,
    today: date,
    now_day: float,
    journey: JourneyThresholds = DEFAULT_THRESHOLDS,
):
    """The member fields rules read, one row per id (absent values match no condition).

    ``age`` is counted from ``birth_year`` to ``today``; ``days_since_last_purchase`` and
    ``journey_stage`` from the model's history to the selection's day.
    """
    ids = np.asarray(member_ids).astype(str)
    fields = pd.DataFrame({"member_id": ids})
    if members is not None:
        table = members_by_id(members).reindex(ids)
        wanted = [c for c in table.columns if c in MEMBER_COLUMNS or c.startswith("attr_")]
        for column in wanted:
            fields[column] = table[column].to_numpy()
        if "birth_year" in table.columns:
            born = pd.to_numeric(table["birth_year"], errors="coerce").astype(float)
            fields["age"] = today.year - born.to_numpy()
    rhythm = member_rhythm(model, ids)
    fields["days_since_last_purchase"] = now_day - rhythm["last_day"]
    fields["journey_stage"] = journey_stages(*rhythm.values(), now_day, journey)
    return fields


def member_rhythm(model, member_ids) -> dict[str, np.ndarray]:
    """``first_day``, ``last_day`` (NaN: never bought) and ``trips`` per member, in order."""
    rows = model.dataset_.member_rows(np.asarray(member_ids).astype(str), missing="ignore")
    known = rows >= 0
    habits = model.habits_
    rhythm = {
        "first_day": np.full(len(rows), np.nan),
        "last_day": np.full(len(rows), np.nan),
        "trips": np.zeros(len(rows)),
    }
    for name, values in zip(
        rhythm, (habits.member_first_day, habits.member_last_day, habits.member_trips), strict=True
    ):
        rhythm[name][known] = values[rows[known]]
    return rhythm


def member_stages(model, member_ids, as_of=None, journey=DEFAULT_THRESHOLDS) -> np.ndarray:
    """The journey stage of each member as of ``as_of`` (see ``loyalty.journey``)."""
    return journey_stages(*member_rhythm(model, member_ids).values(), model.now_day(as_of), journey)


def _changes(member_ids: np.ndarray, explanations) -> pd.DataFrame:
    records = [
        (member_id, e.product_id, e.rule_id, e.action)
        for member_id, found in zip(member_ids, explanations, strict=True)
        for e in found
    ]
    return pd.DataFrame(records, columns=CHANGE_COLUMNS)


def compare_selections(published: pd.DataFrame, draft: pd.DataFrame, changes: pd.DataFrame):
    """Products a draft removes, adds or moves against the published selection, and why.

    ``changes`` are the draft's (or, for what the draft no longer does, the published
    selection's) rule changes; the first naming a product gives its ``rule_id`` and ``action``.
    Returns one row per product: ``member_id, product_id, published_rank, draft_rank, change,
    rule_id, action``.
    """
    keys = ["member_id", "product_id"]
    both = published[[*keys, "rank"]].merge(
        draft[[*keys, "rank"]], on=keys, how="outer", suffixes=("_published", "_draft")
    )
    both = both.rename(columns={"rank_published": "published_rank", "rank_draft": "draft_rank"})
    before, after = both["published_rank"], both["draft_rank"]
    change = np.select(
        [after.isna(), before.isna(), after < before, after > before],
        ["removed", "added", "moved_up", "moved_down"],
        "",
    )
    both = both.assign(change=change)[change != ""]
    why = changes.drop_duplicates(keys)[[*keys, "rule_id", "action"]]
    return both.merge(why, on=keys, how="left").sort_values(keys, ignore_index=True)


def rule_set_impact(member_ids, published, draft, changes, n: int, catalogue_size: int) -> dict:
    """How a draft changes the selections of ``member_ids``, against the published rule set.

    ``changes`` are the draft's rule changes (``recommend_with_changes``); coverage is the share
    of the ``catalogue_size`` products that appear in some selection.
    """
    members = pd.Index(np.asarray(member_ids).astype(str))

    def lists(selection) -> dict:
        return selection.groupby("member_id", sort=False)["product_id"].agg(tuple).to_dict()

    before, after = lists(published), lists(draft)
    changed = [before.get(m, ()) != after.get(m, ()) for m in members]
    removed = changes[changes["action"] == "removed"].dropna(subset=["rule_id"])

    def short(selection) -> int:
        sizes = selection.groupby("member_id").size().reindex(members, fill_value=0)
        return int((sizes < n).sum())

    def coverage(selection) -> float:
        return round(selection["product_id"].nunique() / max(catalogue_size, 1), 4)

    return {
        "members": len(members),
        "changed_share": round(float(np.mean(changed)) if changed else 0.0, 4),
        "removed_by_rule": {str(k): int(v) for k, v in removed.groupby("rule_id").size().items()},
        "coverage_published": coverage(published),
        "coverage_draft": coverage(draft),
        "short_published": short(published),
        "short_draft": short(draft),
    }


def compile_kernels() -> None:
    """Compile the numba kernels (or load them from numba's cache) on a tiny block.

    ``loyalty serve`` calls it before its workers start, so that no request waits for a
    compilation (about 20 seconds the first time on a machine). The arrays have the types
    real selections pass, so the same compiled code serves them.
    """
    products = pd.DataFrame(
        {"product_id": ["a", "b", "c"], "brand": ["x", "x", "y"], "category": "c", "price": 1.0}
    )
    rules = [
        {"name": "up", "effect": "boost", "strength": 0.5, "products": {"brand": "x"}},
        {"name": "fresh", "effect": "exclude", "products": {"days_since_bought": {"lte": 7}}},
        {"name": "liked", "effect": "promote", "share": 0.5, "products": {"brand": "y"}},
        {"name": "one", "effect": "limit", "per": "brand", "max": 1},
    ]
    compiled = compile_rules(validate_rules(rules), products, date.today())
    bought = sparse.csr_matrix(([1.0], ([0], [1])), shape=(1, 3))
    block = rules_for_block(
        compiled, pd.DataFrame({"member_id": ["m"]}), CHANNELS[0], "selection", bought, bought
    )
    scores = np.zeros((1, 3), np.float32)
    Curator(block).curate(scores, 2, liked_above_base_rate=True)
    add_group_values(scores, bought, np.zeros(1, np.int64), ProductGroups(np.arange(3)))
    add_item_to_item(scores, bought, np.zeros(1, np.int64), sparse.identity(3, format="csr"), 1.0)
    chosen = top_k(scores, 2)[0]
    habits = Habits.from_events(pd.DataFrame({"row": [0], "col": [1], "day": [0.0]}), (1, 3), 1.0)
    codes = np.zeros(3, np.int32)
    habit_features(habits, [0], 1.0, ProductProfile.from_habits(habits, codes, codes), [0.0])
    factors = np.zeros((3, 2), np.float32)
    discovery_sources(factors, habits, np.zeros(1, np.int64), chosen, chosen == 1)
