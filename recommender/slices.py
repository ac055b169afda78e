"""How many members a block scores at once: the faster of two slice heights, per process.

A slice is one matrix product into one reused array, then ranked row by row. Which height is
faster depends on the machine's caches. Among 50,000 products, with two workers at once: on
an Intel machine with AVX-512 (2 MB of L2 a core), 125 members a slice took 128 to 133 µs a
member's offers against 140 to 146 µs with 250 (their slices compete for the shared cache);
on an AMD EPYC machine (1 MB of L2 a core, 32 MB of L3), 250 took 3 to 6 % less than 125
in four runs alternated, and 64 took 20 % more. A slice's height never changes the results:
each member's scores and list are the same whatever slice the member is in (tests check it).

So each process times its first large blocks at both heights, in turn, and keeps the faster
(by the median: a first block also pays for warming up) for the rest of its life; small
blocks (a request's few members) just take the lower one.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Iterator
from contextlib import contextmanager

TRIALS = 3  # blocks timed at each height
TALLEST = 256


class SliceHeights:
    """Per catalogue size, the slice heights tried so far and their seconds per member."""

    def __init__(self) -> None:
        self._timed: dict[int, dict[int, list[float]]] = {}

    def height(self, n_products: int, members: int, lower: int) -> int:
        """The height to score a block of ``members`` with (``lower`` or twice it)."""
        taller = min(2 * lower, TALLEST)
        if taller == lower or members < 4 * taller:  # too few slices to time
            return lower
        timed = self._timed.setdefault(n_products, {lower: [], taller: []})
        least_tried = min(timed, key=lambda h: len(timed[h]))
        if len(timed[least_tried]) < TRIALS:
            return least_tried
        return min(timed, key=lambda h: statistics.median(timed[h]))

    @contextmanager
    def timing(self, n_products: int, height: int, members: int) -> Iterator[None]:
        """Count the block's time per member towards ``height`` while it is being tried."""
        started = time.perf_counter()
        yield
        self.record(n_products, height, (time.perf_counter() - started) / members)

    def record(self, n_products: int, height: int, seconds_per_member: float) -> None:
        trials = self._timed.get(n_products, {}).get(height)
        if trials is not None and len(trials) < TRIALS:
            trials.append(seconds_per_member)


SLICES = SliceHeights()
