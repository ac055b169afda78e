"""Settings: one home for configuration, ``LOYALTY_*`` environment variables over defaults.

Nothing else in the project reads ``os.environ``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from loyalty.errors import ConfigError
from loyalty.journey import JourneyThresholds

PREFIX = "LOYALTY_"


@dataclass(frozen=True)
class Settings:
    """The engine's configuration.

    Attributes
    ----------
    data_dir
        Folder for the embedded SQLite database, models and exports.
    database_url
        SQLAlchemy URL; defaults to a SQLite file in ``data_dir``.
        Set ``LOYALTY_DATABASE_URL=postgresql+psycopg://user@host/db`` for PostgreSQL.
    as_of
        The engine's idea of today; ``None`` means the wall clock.
    journey
        When members count as new, lapsing or lapsed (``loyalty.journey``).
    """

    data_dir: Path = Path("data")
    database_url: str | None = None
    as_of: date | None = None
    journey: JourneyThresholds = field(default_factory=JourneyThresholds)

    @property
    def database(self) -> str:
        """The database URL in effect."""
        return self.database_url or f"sqlite:///{self.data_dir / 'loyalty.db'}"

    @property
    def models_dir(self) -> Path:
        """Folder of saved model versions."""
        return self.data_dir / "models"

    def with_overrides(self, **values: object) -> Settings:
        """A copy with the given values replaced; ``None`` values are ignored."""
        return replace(self, **{k: v for k, v in values.items() if v is not None})

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Read ``LOYALTY_DATA_DIR``, ``LOYALTY_DATABASE_URL``, ``LOYALTY_AS_OF`` and the
        journey thresholds ``LOYALTY_NEW_DAYS``, ``LOYALTY_LAPSING_AFTER``,
        ``LOYALTY_LAPSED_AFTER``."""
        environ = os.environ if environ is None else environ
        as_of = environ.get(PREFIX + "AS_OF")
        return cls(
            data_dir=Path(environ.get(PREFIX + "DATA_DIR", "data")),
            database_url=environ.get(PREFIX + "DATABASE_URL") or None,
            as_of=parse_date(as_of, PREFIX + "AS_OF") if as_of else None,
            journey=_journey(environ),
        )


def parse_date(text: str, where: str) -> date:
    """Parse an ISO date (``YYYY-MM-DD``), naming ``where`` it came from when it is not one."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ConfigError(f"{where}: {text!r} is not a date; expected YYYY-MM-DD") from None


def _journey(environ) -> JourneyThresholds:
    names = {
        "new_days": "NEW_DAYS",
        "lapsing_after": "LAPSING_AFTER",
        "lapsed_after": "LAPSED_AFTER",
    }
    values = {}
    for key, name in names.items():
        text = environ.get(PREFIX + name)
        if text is None:
            continue
        try:
            values[key] = float(text)
        except ValueError:
            raise ConfigError(f"{PREFIX}{name}: expected a number, got {text!r}") from None
    thresholds = JourneyThresholds(**values)
    problems = thresholds.problems()
    if problems:
        raise ConfigError("journey thresholds: " + "; ".join(problems))
    return thresholds
