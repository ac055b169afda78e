"""The engine's idea of today: the wall clock unless ``--as-of`` or ``LOYALTY_AS_OF`` says so."""

from __future__ import annotations

from datetime import date, datetime, time

from loyalty.config import Settings


def today(settings: Settings) -> date:
    """Today as the engine sees it, so history can be replayed."""
    return settings.as_of or date.today()


def end_of_today(settings: Settings) -> datetime:
    """The last moment of the engine's today; history up to here counts."""
    return datetime.combine(today(settings), time.max)
