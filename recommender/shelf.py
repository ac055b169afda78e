"""The shelf: the products a selection run scores, out of every product the model knows.

A product no member of the run can be shown (inactive, not sold in the channel, excluded by a
rule for every member) costs as much as any other in the matrix product and in every pass over
the scores after it. The shelf leaves such products out: scores are made over its products
only (its columns, in the model's order), rules are laid over them, and what is chosen is
mapped back to the model's columns. In the million-member benchmark 9 % of the products are
never offered (alcohol and tobacco, and inactive products).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp

from recommender.dense import ProductGroups


@dataclass(frozen=True, eq=False)
class Shelf:
    """Products to score, as the model's ``columns`` (ascending), with what scoring reads.

    Attributes
    ----------
    columns
        The model columns on the shelf; a shelf column ``c`` is model column ``columns[c]``.
    product_ids
        Their ids (rules are laid over them).
    items
        The right side of the matrix product: factors, then a row of per-product offsets.
    categories
        Each product's category, for the member's category affinity.
    similarity
        Item-to-item similarity from every model product to the shelf's products.
    """

    columns: np.ndarray
    product_ids: np.ndarray
    items: np.ndarray
    categories: ProductGroups
    similarity: sp.csr_matrix
    size: int  # products the model knows

    @cached_property
    def places(self) -> np.ndarray:
        """Per model column, its column on the shelf; -1 when it is not on the shelf."""
        places = np.full(self.size, -1, dtype=np.int64)
        places[self.columns] = np.arange(len(self.columns))
        return places

    def model_columns(self, chosen: np.ndarray) -> np.ndarray:
        """Shelf columns (any shape, -1 for none) as model columns (-1 stays -1)."""
        return np.append(self.columns, -1)[chosen]  # -1 reads the -1 appended
