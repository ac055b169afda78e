"""Deterministic ids and holdout membership: the same inputs give the same answer, always.

Both come from BLAKE2b hashes (8-byte digests of the parts joined by ``\\x1f``), which do not
change between Python or library versions, so a regenerated campaign keeps its offer ids and
its holdout. :mod:`loyalty.offers.blake2b` hashes a run's millions of texts at once, with the
digests ``hashlib.blake2b`` gives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from loyalty.offers.blake2b import digests, hex_texts


def in_holdout(member_ids, campaign: str, share: float) -> np.ndarray:
    """Whether each member is in ``campaign``'s holdout (about ``share`` of all members)."""
    if share <= 0 or len(member_ids) == 0:
        return np.zeros(len(member_ids), dtype=bool)
    # The digest read as a big-endian number, as a fraction of 2^64.
    draws = digests("holdout", campaign, member_ids).byteswap().astype(np.float64)
    return draws / 2.0**64 < share


def offer_ids(campaign: str, member_ids, product_ids, benefit_ids):
    """One id per offer from what it is: campaign, member, product and benefit (text array)."""
    if len(member_ids) == 0:
        return pd.array([], dtype="str")
    found = hex_texts("o", digests(campaign, member_ids, product_ids, benefit_ids))
    return pd.array(found, dtype="str")
