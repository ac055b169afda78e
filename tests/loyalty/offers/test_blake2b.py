"""The compiled BLAKE2b gives hashlib's digests, for any text and any number of parts."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from loyalty.offers.blake2b import digests, hex_texts


def _hashlib(text: str) -> bytes:
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


def test_digests_are_hashlibs_across_block_boundaries_and_in_utf8():
    rng = np.random.default_rng(7)
    alphabet = list("abcM01é€\x1f ")
    texts = ["", "a", "x" * 127, "x" * 128, "x" * 129, "z" * 256, "ö" * 64 + "y" * 200]
    texts += ["".join(rng.choice(alphabet, rng.integers(0, 300))) for _ in range(300)]
    found = digests(pd.array(texts, dtype="str"))
    assert [d.tobytes() for d in found] == [_hashlib(t) for t in texts]


def test_parts_are_joined_by_the_separator_and_may_be_one_text_for_all():
    members = np.array(["m1", "m2", "m3"], dtype=object)
    products = pd.Series(["p1", "p2", "p3"], dtype="str")
    found = digests("spring", members, products)
    assert [d.tobytes() for d in found] == [
        _hashlib(f"spring\x1f{m}\x1f{p}") for m, p in zip(members, products, strict=True)
    ]
    # Numbers are hashed as their text, as str() writes them.
    assert digests(np.array([7, 12]))[1].tobytes() == _hashlib("12")


def test_hex_texts_are_the_prefix_and_the_digests_hex():
    texts = ["spring\x1fm1", "autumn\x1fm2"]
    found = hex_texts("o", digests(pd.array(texts, dtype="str")))
    assert found.to_pylist() == ["o" + _hashlib(t).hex() for t in texts]
