"""The rules as they apply to one block of members in one channel: what a ranker needs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from loyalty.brand_fit.compile import CompiledRule, CompiledRules
from loyalty.brand_fit.conditions import condition_mask, evaluate
from loyalty.brand_fit.fields import (
    ANY,
    ATTRIBUTE_PREFIX,
    HISTORY_FIELDS,
    MEMBER_FIELDS,
    field_kind,
)
from loyalty.brand_fit.masks import NO_DISCOUNT_LIMIT as NO_DISCOUNT_LIMIT
from loyalty.brand_fit.masks import SegmentMasks, segment_masks
from loyalty.brand_fit.own import OwnProducts, OwnPurchases
from loyalty.brand_fit.schema import Rule


@dataclass(frozen=True)
class Applied:
    """A rule in scope for some members: who (m,) and which products, (n,) or per member."""

    rule: Rule
    members: np.ndarray
    products: np.ndarray | OwnProducts


@dataclass(frozen=True)
class Limit:
    """At most ``max`` products per group code (-1: not counted) for the members in scope."""

    rule_id: str
    groups: np.ndarray
    max: int
    members: np.ndarray
    products: np.ndarray | OwnProducts
    group_order: np.ndarray  # the products ordered by group code


@dataclass(frozen=True)
class Promotion:
    """Reserve ``share`` of the selection for matching products with a positive score."""

    rule_id: str
    share: float
    members: np.ndarray
    products: np.ndarray | OwnProducts


@dataclass(frozen=True)
class BlockRules:
    """Everything ``curate`` (and offer assignment) needs for a block of m members.

    ``masks`` holds ``allowed`` (bool), ``boost`` (strength units: +s per boost, -s per bury)
    and ``max_discount`` (percent, offers only) per member segment; ``allowed()`` and
    ``boost()`` give them as (m, n) arrays, ``max_discount(columns)`` at given products.
    ``limits`` and ``promotions`` follow the rules' priority (higher first); ``applied`` lists
    every rule in scope, for explanations.
    """

    product_ids: np.ndarray
    target: str
    masks: SegmentMasks
    limits: tuple[Limit, ...]
    promotions: tuple[Promotion, ...]
    applied: tuple[Applied, ...]

    def allowed(self) -> np.ndarray:
        """Bool (m, n): what may appear for each member (exclude, include_only, channel)."""
        return self.masks.dense("allowed")

    def allowed_for(self, row: int, product: int) -> bool:
        """Whether one product may appear for one member (without building the whole array)."""
        shared = self.masks.by_segment["allowed"][self.masks.segment[row], product]
        own = None if self.masks.own is None else self.masks.own.one("allowed", row, product)
        return bool(shared and (own is None or own))

    def boost(self) -> np.ndarray | None:
        """Float32 (m, n) boost in strength units, or ``None`` when no boost or bury applies."""
        return self.masks.dense("boost")

    def max_discount(self, columns: np.ndarray) -> np.ndarray | None:
        """Float32 (m, k) highest discount percent an offer may give on each member's products
        ``columns`` (m, k), ``None`` when no rule limits it."""
        return self.masks.at("max_discount", columns)


def rules_for_block(
    compiled: CompiledRules,
    members: pd.DataFrame,
    channel: str,
    target: str,
    times_bought: sparse.spmatrix | None = None,
    days_since_bought: sparse.spmatrix | None = None,
    scopes: list[np.ndarray] | None = None,
) -> BlockRules:
    """Evaluate the member-scoped and history-scoped parts of the rules for a block.

    Parameters
    ----------
    compiled
        The rule set compiled over the catalogue (``compile_rules``).
    members
        One row per member of the block, with the member fields (``member_id``, ``tier``,
        ``age``, ...) as columns; an absent column or value matches no condition.
    channel, target
        ``store`` or ``web``; ``selection`` or ``offers``.
    times_bought, days_since_bought
        Sparse (m, n) history aligned with the block's rows and the catalogue's order; a product
        not bought has ``times_bought`` 0 and no ``days_since_bought``.
    scopes
        The block's rows of :func:`member_scopes`, when they were worked out for many blocks at
        once; evaluated here otherwise.
    """
    members = members.reset_index(drop=True)
    scopes = member_scopes(compiled, members) if scopes is None else scopes
    history = _History(compiled, len(members), times_bought, days_since_bought)
    applied = []
    for compiled_rule, in_scope in zip(compiled.rules, scopes, strict=True):
        rule = compiled_rule.rule
        if channel not in rule.channels or target not in rule.applies_to:
            continue
        if in_scope.any():
            applied.append((compiled_rule, in_scope.copy(), history.products(compiled_rule)))
    masks = segment_masks(compiled.catalogue.sold_in(channel), len(members), target, applied)
    return BlockRules(
        product_ids=compiled.product_ids,
        target=target,
        masks=masks,
        limits=tuple(
            Limit(c.rule.id, c.groups, c.rule.max, who, what, c.group_order)
            for c, who, what in applied
            if c.rule.effect == "limit"
        ),
        promotions=tuple(
            Promotion(c.rule.id, c.rule.share, who, what)
            for c, who, what in applied
            if c.rule.effect == "promote"
        ),
        applied=tuple(Applied(c.rule, who, what) for c, who, what in applied),
    )


def may_be_shown(compiled: CompiledRules, channel: str, target: str) -> np.ndarray:
    """Bool (n,): the products some member may be shown in ``channel`` for ``target``.

    A product the channel does not sell, or that a rule for every member (no ``members``
    condition, no history in its products) excludes or leaves out of its ``include_only``,
    never is. Rules for some members only are left to each block.
    """
    shown = compiled.catalogue.sold_in(channel).copy()
    for c in compiled.rules:
        rule = c.rule
        if rule.members or c.reads_history:
            continue
        if channel not in rule.channels or target not in rule.applies_to:
            continue
        if rule.effect == "exclude":
            shown &= ~c.products
        elif rule.effect == "include_only":
            shown &= c.products
    return shown


def member_scopes(compiled: CompiledRules, members: pd.DataFrame) -> list[np.ndarray]:
    """Per rule of ``compiled``, which of ``members`` (a bool array) its ``members`` selects."""
    leaf = member_leaf(members.reset_index(drop=True))
    size = (len(members),)
    return [np.broadcast_to(evaluate(c.rule.members, leaf), size) for c in compiled.rules]


def member_leaf(members: pd.DataFrame):
    def leaf(field: str, condition) -> np.ndarray:
        column = _member_column(members, field)
        if column is None:
            return np.zeros(len(members), dtype=bool)
        return condition_mask(column, field_kind(field, MEMBER_FIELDS) or ANY, condition)

    return leaf


def _member_column(members: pd.DataFrame, field: str) -> pd.Series | None:
    if field in members.columns:
        return members[field]
    if field.startswith(ATTRIBUTE_PREFIX) and "attributes" in members.columns:
        key = field.removeprefix(ATTRIBUTE_PREFIX)
        records = [v if isinstance(v, dict) else {} for v in members["attributes"]]
        attributes = pd.DataFrame.from_records(records, index=range(len(members)))
        return attributes[key] if key in attributes.columns else None
    return None


class _History:
    """Evaluates product predicates that read the member's own purchases (:class:`OwnProducts`)."""

    def __init__(self, compiled: CompiledRules, size: int, times_bought, days_since_bought):
        self.compiled = compiled
        shape = (size, compiled.catalogue.size)
        bought = sparse.csr_matrix(shape) if times_bought is None else times_bought.tocsr()
        bought = bought.copy()
        bought.sum_duplicates()  # sorts each member's products too
        bought.eliminate_zeros()
        self.purchases = OwnPurchases(
            bought.indptr.astype(np.int64), bought.indices.astype(np.int64), shape[1]
        )
        days = np.zeros(bought.nnz)
        if days_since_bought is not None and bought.nnz:
            # Read at the bought positions: a purchase today may be stored as an implicit zero.
            at = (self.purchases.members, self.purchases.products)
            days = np.asarray(days_since_bought.tocsr()[at]).ravel()
        self.values = {"times_bought": bought.data.astype(float), "days_since_bought": days}
        self.absent = {"times_bought": 0.0, "days_since_bought": np.nan}

    def products(self, compiled_rule: CompiledRule) -> np.ndarray | OwnProducts:
        if not compiled_rule.reads_history:
            return compiled_rule.products
        predicate, n = compiled_rule.rule.products, self.compiled.catalogue.size
        absent = np.broadcast_to(evaluate(predicate, self._absent_leaf), (n,)).copy()
        values = evaluate(predicate, self._bought_leaf)
        values = np.broadcast_to(values, self.purchases.products.shape).copy()
        return OwnProducts(absent, values, self.purchases)

    def _absent_leaf(self, field: str, condition):
        if field not in HISTORY_FIELDS:
            return self.compiled.product_leaf(field, condition)
        return condition_mask(pd.Series([self.absent[field]]), "number", condition)[0]

    def _bought_leaf(self, field: str, condition) -> np.ndarray:
        if field not in HISTORY_FIELDS:
            return self.compiled.product_leaf(field, condition)[self.purchases.products]
        return condition_mask(pd.Series(self.values[field]), "number", condition)
