"""Deterministic ids and holdout membership: the same inputs give the same answer, always.

Both come from BLAKE2b hashes (``hashlib``), which do not change between Python or library
versions, so a regenerated campaign keeps its offer ids and its holdout.
"""

from __future__ import annotations

import hashlib

import numpy as np


def _digest(*parts: str) -> bytes:
    return hashlib.blake2b("\x1f".join(parts).encode(), digest_size=8).digest()


def _texts(values) -> list[str]:
    """Values as a list of str (a list first: iterating an Arrow-backed column is slow)."""
    return [str(v) for v in np.asarray(values, dtype=object).tolist()]


def in_holdout(member_ids, campaign: str, share: float) -> np.ndarray:
    """Whether each member is in ``campaign``'s holdout (about ``share`` of all members)."""
    if share <= 0:
        return np.zeros(len(member_ids), dtype=bool)
    draws = np.fromiter(
        (int.from_bytes(_digest("holdout", campaign, m), "big") for m in _texts(member_ids)),
        dtype=np.float64,
        count=len(member_ids),
    )
    return draws / 2.0**64 < share


def offer_ids(campaign: str, member_ids, product_ids, benefit_ids) -> np.ndarray:
    """One id per offer from what it is: campaign, member, product and benefit."""
    return np.array(
        [
            "o" + _digest(campaign, m, p, b).hex()
            for m, p, b in zip(
                _texts(member_ids), _texts(product_ids), _texts(benefit_ids), strict=True
            )
        ],
        dtype=object,
    )
