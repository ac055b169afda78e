"""Rules that read the member's own purchases, kept sparse.

A product predicate on ``times_bought`` or ``days_since_bought`` can only differ between the
members of a block at the products they bought: everywhere else those fields are absent, and
every member gets the same answer. So such a mask is one shared row over the catalogue plus its
values at each member's own products (laid out like a CSR matrix), never an (m, n) array.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class OwnPurchases:
    """The block's members' own products: ``products[start[i]:start[i + 1]]`` for member ``i``,
    in catalogue order."""

    start: np.ndarray
    products: np.ndarray
    catalogue_size: int

    @cached_property
    def members(self) -> np.ndarray:
        """The member (block row) of each entry."""
        return np.repeat(np.arange(len(self.start) - 1), np.diff(self.start))

    @cached_property
    def _keys(self) -> np.ndarray:
        return self.members * self.catalogue_size + self.products  # sorted, as the entries

    def find(self, rows: np.ndarray, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For (rows, columns) pairs: whether each is an own product, and its entry if so."""
        keys = self._keys
        wanted = np.asarray(rows) * self.catalogue_size + np.asarray(columns)
        entry = np.searchsorted(keys, wanted).clip(max=max(len(keys) - 1, 0))
        found = keys[entry] == wanted if len(keys) else np.zeros(wanted.shape, bool)
        return found, entry


@dataclass(frozen=True)
class OwnProducts:
    """A product mask that reads the member's history: ``absent`` (n,) where the member bought
    nothing, ``values`` at each of the member's own products (entries of ``purchases``)."""

    absent: np.ndarray
    values: np.ndarray
    purchases: OwnPurchases

    def dense(self) -> np.ndarray:
        """The (m, n) mask."""
        own = self.purchases
        mask = np.tile(self.absent, (len(own.start) - 1, 1))
        mask[own.members, own.products] = self.values
        return mask

    def at(self, row: int, product: int) -> bool:
        """Whether member ``row`` matches ``product``."""
        found, entry = self.purchases.find(np.array([row]), np.array([product]))
        return bool(self.values[entry[0]] if found[0] else self.absent[product])
