"""A member's buying habits per product: how often, since when, how recently.

One :class:`Habits` holds, for every (member, product) pair the member ever bought, the number
of shopping trips with that product (distinct days), the first and last day bought, and trips
weighted by recency. All statistics share one CSR sparsity pattern, so features for every pair
are plain vector arithmetic over the stored values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
        """Aggregate ``row, col, day`` purchase events (see ``Dataset.purchase_events``)."""
        if len(events) == 0:
            return cls.empty(shape, as_of_day)
        day = np.floor(events["day"].to_numpy()).astype(np.int64)
        first = day.min()
        # One sortable int64 per trip: pair key in the high bits, day in the low 20 bits.
        pair = events["row"].to_numpy(np.int64) * shape[1] + events["col"].to_numpy(np.int64)
        # Sort and drop repeats by hand: numpy 2's hash-based np.unique is ~15x slower here.
        trips = np.sort((pair << DAY_BITS) | (day - first))
        trips = trips[np.r_[True, trips[1:] != trips[:-1]]]
        pair, day = trips >> DAY_BITS, (trips & DAY_MASK) + first
        starts = np.flatnonzero(np.r_[True, pair[1:] != pair[:-1]])
        ends = np.r_[starts[1:], len(pair)] - 1
        age = as_of_day - day
        values = {
            "trips": np.diff(np.r_[starts, len(pair)]).astype(np.float64),
            "first_day": day[starts].astype(np.float64),
            "last_day": day[ends].astype(np.float64),
            "recent_short": np.add.reduceat(0.5 ** (age / HALF_LIVES[0]), starts),
            "recent_long": np.add.reduceat(0.5 ** (age / HALF_LIVES[1]), starts),
        }
        rows, cols = np.divmod(pair[starts], shape[1])
        indptr = np.r_[0, np.cumsum(np.bincount(rows, minlength=shape[0]))].astype(np.int64)
        member_last = np.full(shape[0], np.nan)
        buyers = np.flatnonzero(np.diff(indptr))
        member_last[buyers] = np.maximum.reduceat(values["last_day"], indptr[buyers])
        event_day = np.floor(events["day"].to_numpy()).astype(np.int64)
        member_first, member_trips = _member_trips(
            events["row"].to_numpy(np.int64), event_day, shape[0]
        )
        return cls(
            shape,
            indptr,
            cols.astype(np.int32),
            values,
            float(as_of_day),
            member_last,
            member_first,
            member_trips,
        )

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


def _member_trips(rows: np.ndarray, day: np.ndarray, members: int):
    """First shopping day and number of distinct shopping days per member (NaN, 0: none)."""
    first = day.min()
    trips = np.unique((rows << DAY_BITS) | (day - first))
    member, trip_day = trips >> DAY_BITS, (trips & DAY_MASK) + first
    counts = np.bincount(member, minlength=members).astype(np.float64)
    first_day = np.full(members, np.nan)
    buyers = np.flatnonzero(counts)
    starts = np.r_[0, np.cumsum(counts[buyers])[:-1]].astype(np.int64)
    first_day[buyers] = trip_day[starts]
    return first_day, counts
