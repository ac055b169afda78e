"""Which rule removed or moved which product, for previews of one member or a few."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from loyalty.brand_fit.block import Applied, BlockRules


class Explanation(NamedTuple):
    """One product the rules changed for a member: ``action`` by rule ``rule_id``.

    Actions: ``removed`` (exclude, include_only or limit), ``not_in_channel`` (no rule: the
    channel does not sell it), ``moved_up`` (boost), ``moved_down`` (bury, or pushed out by
    others moving up), ``promoted``.
    """

    product_id: str
    rule_id: str | None
    action: str


def explain(scores, candidate, chosen, rules: BlockRules, n: int) -> list[list[Explanation]]:
    """Compare each member's selection with the one without rules (a loop over members)."""
    return [_member(row, scores[row], chosen.products[row], rules, n) for row in range(len(scores))]


def _member(row, scores, selected, rules: BlockRules, n) -> list[Explanation]:
    finite = np.flatnonzero(np.isfinite(scores))
    before = finite[np.argsort(-scores[finite], kind="stable")[:n]]
    after = selected[selected >= 0]
    found = []
    for product in before:
        if product not in after:
            found.append(_why_gone(row, product, after, rules))
    for product in after:
        effect = _matching(row, product, rules, ("boost", "bury"))
        if effect is None and scores[product] > 0:
            effect = _matching(row, product, rules, ("promote",))
        if effect is not None:
            action = {"boost": "moved_up", "bury": "moved_down", "promote": "promoted"}
            found.append((product, effect.rule.id, action[effect.rule.effect]))
    ids = rules.product_ids
    return [Explanation(str(ids[product]), rule_id, action) for product, rule_id, action in found]


def _why_gone(row, product, after, rules: BlockRules):
    removing = _matching(row, product, rules, ("exclude",))
    if removing is None:
        removing = next(
            (a for a in _in_scope(row, rules, ("include_only",)) if not _matches(a, row, product)),
            None,
        )
    if removing is not None:
        return product, removing.rule.id, "removed"
    if not rules.allowed_for(row, product):
        return product, None, "not_in_channel"
    for limit in rules.limits:
        group = limit.groups[product]
        if limit.members[row] and group >= 0 and (limit.groups[after] == group).sum() >= limit.max:
            return product, limit.rule_id, "removed"
    buried = _matching(row, product, rules, ("bury",))
    if buried is not None:
        return product, buried.rule.id, "moved_down"
    pushing = next(
        (a for p in after for a in [_matching(row, p, rules, ("boost", "promote"))] if a), None
    )
    return product, pushing.rule.id if pushing else None, "moved_down"


def _in_scope(row, rules: BlockRules, effects) -> list[Applied]:
    return [a for a in rules.applied if a.rule.effect in effects and a.members[row]]


def _matching(row, product, rules: BlockRules, effects) -> Applied | None:
    return next((a for a in _in_scope(row, rules, effects) if _matches(a, row, product)), None)


def _matches(applied: Applied, row, product) -> bool:
    products = applied.products
    if isinstance(products, np.ndarray):
        return bool(products[product])
    return products.at(row, product)
