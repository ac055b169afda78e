"""Journey stages: where each member is in the customer journey, from their own rhythm.

A member's *rhythm* is the typical number of days between their shopping trips: the span
from their first to their last trip divided by the gaps between trips (distinct days), kept
between ``shortest_rhythm`` and ``longest_rhythm`` days. Measured against it, as of today:

- ``new``: the first purchase is at most ``new_days`` days old, or there is no purchase yet;
- ``active``: the last trip is at most ``lapsing_after`` rhythms ago;
- ``lapsing``: more than ``lapsing_after`` rhythms since the last trip, at most ``lapsed_after``;
- ``lapsed``: more than ``lapsed_after`` rhythms since the last trip.

With the defaults a weekly shopper who has not come for three weeks is lapsing (21 > 2 x 7
days) while a monthly one is active (21 <= 2 x 30); the weekly shopper is lapsed after five
weeks away, the monthly one after five months. A member with one trip only has no rhythm yet
and is measured against ``single_trip_rhythm``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

STAGES = ("new", "active", "lapsing", "lapsed")


@dataclass(frozen=True)
class JourneyThresholds:
    """When a member counts as new, lapsing or lapsed (see the module docstring).

    Set from the environment with ``LOYALTY_NEW_DAYS``, ``LOYALTY_LAPSING_AFTER`` and
    ``LOYALTY_LAPSED_AFTER`` (see ``loyalty.config``).
    """

    new_days: float = 30.0
    lapsing_after: float = 2.0
    lapsed_after: float = 5.0
    single_trip_rhythm: float = 30.0
    shortest_rhythm: float = 3.0
    longest_rhythm: float = 120.0

    def problems(self) -> list[str]:
        """What is wrong with these thresholds (empty when they make sense)."""
        found = [
            f"{name} must be a positive number, got {getattr(self, name)!r}"
            for name in self.__dataclass_fields__
            if not getattr(self, name) > 0
        ]
        if self.lapsed_after <= self.lapsing_after:
            found.append(
                f"lapsed_after ({self.lapsed_after}) must be more than lapsing_after "
                f"({self.lapsing_after})"
            )
        if self.longest_rhythm < self.shortest_rhythm:
            found.append("longest_rhythm must not be less than shortest_rhythm")
        return found


def rhythm_days(first_day, last_day, trips, thresholds: JourneyThresholds) -> np.ndarray:
    """Typical days between trips per member (``single_trip_rhythm`` after one trip)."""
    trips = np.asarray(trips, dtype=np.float64)
    span = np.asarray(last_day, dtype=np.float64) - np.asarray(first_day, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        rhythm = np.where(trips >= 2, span / (trips - 1), thresholds.single_trip_rhythm)
    return np.clip(rhythm, thresholds.shortest_rhythm, thresholds.longest_rhythm)


def journey_stages(
    first_day, last_day, trips, today_day: float, thresholds: JourneyThresholds
) -> np.ndarray:
    """The stage of every member, as of ``today_day`` (same day numbers as the other arrays).

    ``first_day`` and ``last_day`` are NaN for members without a purchase; ``trips`` counts
    distinct shopping days. Returns an array of stage names.
    """
    first = np.asarray(first_day, dtype=np.float64)
    last = np.asarray(last_day, dtype=np.float64)
    rhythm = rhythm_days(first, last, trips, thresholds)
    away = today_day - last
    stage = np.select(
        [
            np.isnan(first) | (today_day - first <= thresholds.new_days),
            away <= thresholds.lapsing_after * rhythm,
            away <= thresholds.lapsed_after * rhythm,
        ],
        ["new", "active", "lapsing"],
        "lapsed",
    )
    return stage.astype(object)


DEFAULT_THRESHOLDS = JourneyThresholds()
