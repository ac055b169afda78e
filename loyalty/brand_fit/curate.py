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

from typing import NamedTuple

import numpy as np

from loyalty.brand_fit.affinity import base_rate
from loyalty.brand_fit.block import BlockRules
from loyalty.brand_fit.explain import Explanation, explain
from loyalty.brand_fit.selection import kernel_rules, pick

# The first shortlist: 2n + 8 was the fastest of 2n to 6n with the benchmark's 20 rules.
SHORTLIST_FACTOR, SHORTLIST_EXTRA = 2, 8


class Curation(NamedTuple):
    """The curated block: product indices (m, n; -1 pads), their scores, and explanations."""

    products: np.ndarray
    scores: np.ndarray
    explanations: list[list[Explanation]] | None


def curate(scores: np.ndarray, rules: BlockRules, n: int, **options) -> Curation:
    """Select up to ``n`` products per member from ``scores`` under the block's rules.

    ``Curator(rules).curate(scores, n, **options)``: see :meth:`Curator.curate`.
    """
    return Curator(rules).curate(scores, n, **options)


class Curator:
    """A block's rules made ready once; curates the block's scores, all or a few rows at a time."""

    def __init__(self, rules: BlockRules):
        self.rules = rules
        self.kernel = kernel_rules(rules)

    def curate(
        self,
        scores: np.ndarray,
        n: int,
        *,
        first: int = 0,
        explain_rules: bool = False,
        affinity_base: np.ndarray | None = None,
        liked_above_base_rate: bool = False,
    ) -> Curation:
        """Select up to ``n`` products for the block's members ``first`` to ``first + m``.

        Parameters
        ----------
        scores
            Float32 (m, n_products) candidate scores, ``-inf`` where a product is no candidate.
        n
            Length of each selection.
        first
            Block row of the first row of ``scores``.
        explain_rules
            Also say, per member, which rule removed or moved which product (for previews of
            a whole block; this part loops over members).
        affinity_base
            (m,) scores above which a member likes a product (``promote``); 0 when not given.
        liked_above_base_rate
            Instead, members like the products above their own base rate
            (:mod:`loyalty.brand_fit.affinity`).

        Returns
        -------
        Curation
            ``products`` (int64, m x n, -1 where the selection is shorter), ``scores``
            (float32, the moved scores, ``-inf`` on padding) and ``explanations`` (or ``None``).
        """
        size = SHORTLIST_FACTOR * n + SHORTLIST_EXTRA
        chosen = pick(scores, self.kernel, n, size, affinity_base, first, liked_above_base_rate)
        explanations = None
        if explain_rules:
            if first or len(scores) != len(self.kernel.masks.segment):
                raise ValueError("explanations are made for a whole block at once")
            if liked_above_base_rate:
                affinity_base = base_rate(scores)
            liked = scores if affinity_base is None else scores - affinity_base[:, None]
            candidate = np.isfinite(scores) & self.rules.allowed()
            explanations = explain(liked, candidate, chosen, self.rules, n)
        return Curation(chosen.products, chosen.scores, explanations)
