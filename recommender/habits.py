"""A member's buying habits per product: how often, since when, how recently.

One :class:`Habits` holds, for every (member, product) pair the member ever bought, the number
of shopping trips with that product (distinct days), the first and last day bought, and trips
weighted by recency. All statistics share one CSR sparsity pattern, so features for every pair
are plain vector arithmetic over the stored values.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import pairwise

import numba
import numpy as np
import pandas as pd
import scipy.sparse as sp

# Half-lives (days) of the recency-weighted trip counts: a month and a season. The shorter one
# tells a current habit from an old one, the longer one is buy-again's strongest form on CJ.
HALF_LIVES = (28.0, 112.0)
STATISTICS = ("trips", "first_day", "last_day", "recent_short", "recent_long")
DAY_BITS = 20  # days since the first purchase: 2,800 years fit
DAY_MASK = (1 << DAY_BITS) - 1


@dataclass
class Habits:
    """Per member x product statistics on one CSR pattern, as of ``as_of_day``.

    ``recent_short`` and ``recent_long`` are sums over trips of ``0.5 ** (age / half_life)``
    with ages counted back from ``as_of_day``; exponential decay means they stay exact when
    new trips are folded in (see :meth:`with_member`).
    """

    shape: tuple[int, int]
    indptr: np.ndarray
    indices: np.ndarray
    values: dict[str, np.ndarray]
    as_of_day: float
    member_last_day: np.ndarray = field(repr=False)
    member_first_day: np.ndarray = field(repr=False)
    member_trips: np.ndarray = field(repr=False)

    @classmethod
    def from_events(cls, events: pd.DataFrame, shape: tuple[int, int], as_of_day: float) -> Habits:
        """Aggregate ``row, col, day`` purchase events (see ``Dataset.purchase_events``).

        In compiled code: the events are bucketed by member (a counting sort), then each
        member's few are sorted by product and day, members split across the cores. One
        sort of all events, or numpy's hash-based ``unique``, costs several times more.
        """
        if len(events) == 0:
            return cls.empty(shape, as_of_day)
        day = np.floor(events["day"].to_numpy()).astype(np.int64)
        first = day.min()
        span = day.max() - first + 1
        if span > DAY_MASK:
            raise ValueError(f"purchases span more than {DAY_MASK:,} days")
        members = shape[0]
        starts, keys = _bucket_by_member(
            events["row"].to_numpy(np.int64), events["col"].to_numpy(np.int64), day - first, members
        )
        counts = np.empty(members, dtype=np.int64)
        ranges = _member_ranges(starts)
        _in_threads(_sort_each_member, ranges, starts, keys, counts)
        indptr = np.zeros(members + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        indices = np.empty(indptr[-1], dtype=np.int32)
        values = {name: np.empty(indptr[-1]) for name in STATISTICS}
        member_first, member_last, member_trips = (np.empty(members) for _ in range(3))
        decays = (0.5 ** ((as_of_day - first - np.arange(span)) / life) for life in HALF_LIVES)
        _in_threads(
            _aggregate,
            ranges,
            starts,
            keys,
            indptr,
            indices,
            *(values[name] for name in STATISTICS),
            member_first,
            member_last,
            member_trips,
            first,
            *decays,
        )
        return cls(
            shape, indptr, indices, values, float(as_of_day), member_last, member_first,
            member_trips,
        )  # fmt: skip

    @classmethod
    def empty(cls, shape: tuple[int, int], as_of_day: float) -> Habits:
        """No purchases at all."""
        values = {name: np.zeros(0) for name in STATISTICS}
        indptr = np.zeros(shape[0] + 1, dtype=np.int64)
        nothing = np.full(shape[0], np.nan)
        return cls(
            shape,
            indptr,
            np.zeros(0, np.int32),
            values,
            float(as_of_day),
            nothing,
            nothing.copy(),
            np.zeros(shape[0]),
        )

    @property
    def rows(self) -> np.ndarray:
        """Row index of every stored pair."""
        return np.repeat(np.arange(self.shape[0], dtype=np.int32), np.diff(self.indptr))

    def matrix(self, name: str = "trips") -> sp.csr_matrix:
        """One statistic as a member x product CSR matrix."""
        return sp.csr_matrix((self.values[name], self.indices, self.indptr), shape=self.shape)

    def member_slice(self, row: int) -> slice:
        """Positions of one member's pairs in ``indices`` and ``values``."""
        return slice(int(self.indptr[row]), int(self.indptr[row + 1]))

    def with_member(self, row: int, events: pd.DataFrame) -> Habits:
        """A copy with one member's new purchase events folded in (no retraining)."""
        old = self.member_slice(row)
        own = pd.DataFrame({name: self.values[name][old] for name in STATISTICS})
        own["col"] = self.indices[old]
        new = Habits.from_events(events.assign(row=0), (1, self.shape[1]), self.as_of_day)
        fresh = pd.DataFrame({name: new.values[name] for name in STATISTICS})
        fresh["col"] = new.indices
        merged = (
            pd.concat([own, fresh])
            .groupby("col", sort=True)
            .agg(
                trips=("trips", "sum"),
                first_day=("first_day", "min"),
                last_day=("last_day", "max"),
                recent_short=("recent_short", "sum"),
                recent_long=("recent_long", "sum"),
            )
        )
        counts = np.diff(self.indptr)
        counts[row] = len(merged)
        indptr = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

        def splice(old_part, new_part):
            return np.concatenate([old_part[: old.start], new_part, old_part[old.stop :]])

        values = {n: splice(self.values[n], merged[n].to_numpy(np.float64)) for n in STATISTICS}
        indices = splice(self.indices, merged.index.to_numpy(np.int32))
        member_last, member_first = self.member_last_day.copy(), self.member_first_day.copy()
        member_trips = self.member_trips.copy()
        # Trips after the last known one are new trips; earlier ones are counted already.
        days = np.unique(np.floor(events["day"].to_numpy()))
        later = (
            days > member_last[row] if np.isfinite(member_last[row]) else np.ones_like(days, bool)
        )
        member_trips[row] += later.sum()
        member_last[row] = np.nanmax([member_last[row], merged["last_day"].max()])
        member_first[row] = np.nanmin([member_first[row], merged["first_day"].min()])
        return Habits(
            self.shape,
            indptr,
            indices,
            values,
            self.as_of_day,
            member_last,
            member_first,
            member_trips,
        )

    def member_habits(self, row: int) -> Habits:
        """One member's habits alone, as a one-row ``Habits``."""
        mine = self.member_slice(row)
        return Habits(
            (1, self.shape[1]),
            np.array([0, mine.stop - mine.start], dtype=np.int64),
            self.indices[mine],
            {name: values[mine] for name, values in self.values.items()},
            self.as_of_day,
            self.member_last_day[[row]],
            self.member_first_day[[row]],
            self.member_trips[[row]],
        )

    def with_new_member(self) -> Habits:
        """A copy with one more member, who has bought nothing yet (the last row)."""
        return Habits(
            (self.shape[0] + 1, self.shape[1]),
            np.append(self.indptr, self.indptr[-1]),
            self.indices,
            self.values,
            self.as_of_day,
            np.append(self.member_last_day, np.nan),
            np.append(self.member_first_day, np.nan),
            np.append(self.member_trips, 0.0),
        )

    def to_arrays(self, prefix: str = "habits_") -> dict[str, np.ndarray]:
        """Arrays for ``np.savez``."""
        arrays = {f"{prefix}{n}": v for n, v in self.values.items()}
        arrays[f"{prefix}indptr"] = self.indptr
        arrays[f"{prefix}indices"] = self.indices
        arrays[f"{prefix}member_last_day"] = self.member_last_day
        arrays[f"{prefix}member_first_day"] = self.member_first_day
        arrays[f"{prefix}member_trips"] = self.member_trips
        arrays[f"{prefix}meta"] = np.array([*self.shape, self.as_of_day], dtype=np.float64)
        return arrays

    @classmethod
    def from_arrays(cls, arrays, prefix: str = "habits_") -> Habits:
        """Inverse of :meth:`to_arrays`."""
        members, products, as_of_day = arrays[f"{prefix}meta"]
        indptr, values = arrays[f"{prefix}indptr"], {n: arrays[f"{prefix}{n}"] for n in STATISTICS}
        if f"{prefix}member_trips" in arrays:
            first, trips = arrays[f"{prefix}member_first_day"], arrays[f"{prefix}member_trips"]
        else:  # saved before member trips were kept: the best bounds the pairs give
            first, trips = np.full(int(members), np.nan), np.zeros(int(members))
            buyers = np.flatnonzero(np.diff(indptr))
            first[buyers] = np.minimum.reduceat(values["first_day"], indptr[buyers])
            trips[buyers] = np.maximum.reduceat(values["trips"], indptr[buyers])
        return cls(
            (int(members), int(products)),
            indptr,
            arrays[f"{prefix}indices"],
            values,
            float(as_of_day),
            arrays[f"{prefix}member_last_day"],
            first,
            trips,
        )


def _member_ranges(starts: np.ndarray) -> list[tuple[int, int]]:
    """Members split into one range per core, with about as many events each."""
    cores = os.cpu_count() or 1
    bounds = np.searchsorted(starts, np.linspace(0, starts[-1], cores + 1)[1:-1])
    edges = [0, *bounds.tolist(), len(starts) - 1]
    return [(a, b) for a, b in pairwise(edges) if b > a]


def _in_threads(kernel, ranges: list[tuple[int, int]], *arrays) -> None:
    """Run ``kernel(first_member, stop_member, *arrays)`` over each range, one thread each."""
    if len(ranges) == 1:
        kernel(*ranges[0], *arrays)
        return
    with ThreadPoolExecutor(len(ranges)) as pool:
        for done in [pool.submit(kernel, *bounds, *arrays) for bounds in ranges]:
            done.result()


@numba.njit(cache=True, nogil=True)
def _bucket_by_member(rows, cols, days, members):
    """Each member's events, as ``col << DAY_BITS | day`` keys, one member after another.

    Returns where each member's keys start, and the keys.
    """
    starts = np.zeros(members + 1, dtype=np.int64)
    for row in rows:
        starts[row + 1] += 1
    for row in range(members):
        starts[row + 1] += starts[row]
    filled = starts[:-1].copy()
    keys = np.empty(len(rows), dtype=np.int64)
    for e in range(len(rows)):
        at = filled[rows[e]]
        keys[at] = (cols[e] << DAY_BITS) | days[e]
        filled[rows[e]] = at + 1
    return starts, keys


@numba.njit(cache=True, nogil=True)
def _sort_each_member(first_row, stop_row, starts, keys, products):
    """Sort each member's keys (by product, then day); count their distinct products."""
    for row in range(first_row, stop_row):
        mine = keys[starts[row] : starts[row + 1]]
        mine.sort()
        products[row] = 0
        previous = -1
        for key in mine:
            if key >> DAY_BITS != previous:
                products[row] += 1
                previous = key >> DAY_BITS


@numba.njit(cache=True, nogil=True)
def _aggregate(first_row, stop_row, starts, keys, indptr, indices, trips, first_day, last_day,
               recent_short, recent_long, member_first, member_last, member_trips, first,
               decay_short, decay_long):  # fmt: skip
    """Pair statistics and each member's rhythm from the sorted keys.

    A trip is a distinct (product, day); the decayed counts add up each trip's decay (from
    ``decay_short`` and ``decay_long``, by day since ``first``) in day order.
    """
    seen = np.full(len(decay_short), -1, dtype=np.int64)  # member who last shopped that day
    for row in range(first_row, stop_row):
        at = indptr[row] - 1
        previous_key = -1
        member_first[row], member_last[row], member_trips[row] = np.nan, np.nan, 0.0
        for key in keys[starts[row] : starts[row + 1]]:
            if key == previous_key:
                continue  # the same product on the same day: one trip
            day = key & DAY_MASK
            if key >> DAY_BITS != previous_key >> DAY_BITS:
                at += 1
                indices[at] = key >> DAY_BITS
                trips[at], first_day[at] = 0.0, day + first
                recent_short[at], recent_long[at] = 0.0, 0.0
            previous_key = key
            trips[at] += 1.0
            last_day[at] = day + first
            recent_short[at] += decay_short[day]
            recent_long[at] += decay_long[day]
            if seen[day] != row:
                seen[day] = row
                if member_trips[row] == 0.0:
                    member_first[row], member_last[row] = day + first, day + first
                member_trips[row] += 1.0
                member_first[row] = min(member_first[row], day + first)
                member_last[row] = max(member_last[row], day + first)
