"""Compile a rule set once per version and day into masks over the whole catalogue."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd

from loyalty.brand_fit.catalogue import ProductColumns
from loyalty.brand_fit.conditions import condition_mask, evaluate
from loyalty.brand_fit.fields import HISTORY_FIELDS
from loyalty.brand_fit.predicates import fields_used
from loyalty.brand_fit.schema import Rule
from loyalty.brand_fit.store import current_rule_set


@dataclass(frozen=True)
class CompiledRule:
    """One rule with its product predicate evaluated over the catalogue.

    Attributes
    ----------
    rule
        The rule as written.
    products
        Bool mask (n,) of matching products, or ``None`` when the predicate reads the member's
        history (``times_bought``, ``days_since_bought``): then it is evaluated per block.
    groups
        For ``limit``: the code of each product's ``per`` value (-1: not counted).
    """

    rule: Rule
    products: np.ndarray | None
    groups: np.ndarray | None = None

    @property
    def reads_history(self) -> bool:
        """Whether the product predicate depends on the member's own purchases."""
        return self.products is None

    @cached_property
    def group_order(self) -> np.ndarray | None:
        """For ``limit``: the products ordered by group code (stably), worked out once."""
        return None if self.groups is None else np.argsort(self.groups, kind="stable")


@dataclass(frozen=True)
class CompiledRules:
    """A rule set ready to curate: the rules active on ``day``, highest priority first."""

    version: int | None
    day: date
    catalogue: ProductColumns
    rules: tuple[CompiledRule, ...]

    @property
    def product_ids(self) -> np.ndarray:
        """The catalogue's product ids, in the order of every mask."""
        return self.catalogue.product_ids

    def in_order(self, product_ids: np.ndarray) -> CompiledRules:
        """The same rules compiled over the catalogue laid out as ``product_ids``.

        Scores in another order (a model's) then need no reordering; a product the
        catalogue lacks may never appear.
        """
        catalogue = self.catalogue.in_order(product_ids, self.day)
        shell = CompiledRules(self.version, self.day, catalogue, ())
        rules = tuple(_compile_rule(c.rule, shell) for c in self.rules)
        return CompiledRules(self.version, self.day, catalogue, rules)

    def product_mask(self, predicate: dict) -> np.ndarray:
        """Evaluate a predicate on product fields only, as a mask (n,)."""
        mask = evaluate(predicate, self.product_leaf)
        return np.broadcast_to(mask, (self.catalogue.size,))

    def product_leaf(self, field: str, condition) -> np.ndarray:
        """Where one product condition holds, as a mask (n,)."""
        return condition_mask(self.catalogue.column(field), self.catalogue.kind(field), condition)


def compile_rules(
    rules: list[Rule], products: pd.DataFrame, today: date, version: int | None = None
) -> CompiledRules:
    """Compile ``rules`` over the products frame for ``today``.

    Rules that are disabled or outside their active window on ``today`` are left out: they
    change nothing. The rest are ordered by priority (higher first), then id.
    """
    catalogue = ProductColumns(products, today)
    shell = CompiledRules(version, today, catalogue, ())
    active = sorted(
        (rule for rule in rules if rule.is_active_on(today)), key=lambda r: (-r.priority, r.id)
    )
    compiled = tuple(_compile_rule(rule, shell) for rule in active)
    return CompiledRules(version, today, catalogue, compiled)


def _compile_rule(rule: Rule, shell: CompiledRules) -> CompiledRule:
    reads_history = bool(fields_used(rule.products) & set(HISTORY_FIELDS))
    mask = None if reads_history else shell.product_mask(rule.products).copy()
    groups = None
    if rule.effect == "limit":
        groups = pd.factorize(shell.catalogue.column(rule.per), use_na_sentinel=True)[0]
        groups = groups.astype(np.int64)
        if mask is not None:
            groups[~mask] = -1
    return CompiledRule(rule, mask, groups)


def compile_current(engine, products: pd.DataFrame, today: date) -> CompiledRules | None:
    """The current published rule set compiled for ``today``; None before the first publish."""
    version, rules = current_rule_set(engine)
    return None if version is None else compile_rules(rules, products, today, version)
