"""Database connections and migrations: SQLite by default, PostgreSQL through a URL."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, Select, create_engine, event, func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from loyalty.config import Settings
from loyalty.errors import ConfigError, LoyaltyError
from loyalty.sqlite_arrow import SQLITE_PRAGMAS

MIGRATIONS = Path(__file__).parent / "migrations"


class DatabaseUnavailableError(LoyaltyError):
    """The database cannot be reached."""


def connect(settings: Settings, *, migrate_to_head: bool = True) -> Engine:
    """An engine for the configured database, migrated to the newest schema.

    A SQLite file's folder is created when missing, so one command runs everything on a laptop.
    """
    url = _parse_url(settings.database)
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _tune_sqlite)
    if migrate_to_head:
        migrate(engine)
    return engine


@contextmanager
def database(settings: Settings) -> Iterator[Engine]:
    """``connect`` for the length of a command: connections are closed when it ends."""
    engine = connect(settings)
    try:
        yield engine
    finally:
        engine.dispose()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (a no-op when it is there already)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    head = ScriptDirectory.from_config(config).get_current_head()
    try:
        with engine.begin() as connection:
            if MigrationContext.configure(connection).get_current_revision() == head:
                return
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as error:
        raise DatabaseUnavailableError(f"cannot reach the database: {error.orig}") from None


def rows_above(engine: Engine, query: Select, limit: int) -> bool:
    """Whether ``query`` gives more than ``limit`` rows (counting stops there): enough to
    choose how to read or write them, without counting a million."""
    counted = select(func.count()).select_from(query.limit(limit + 1).subquery())
    with engine.connect() as connection:
        return connection.execute(counted).scalar_one() > limit


def _parse_url(text: str):
    try:
        return make_url(text)
    except ArgumentError:
        raise ConfigError(
            f"LOYALTY_DATABASE_URL: {text!r} is not a database URL; expected for example "
            "sqlite:///data/loyalty.db or postgresql+psycopg://user@127.0.0.1:5432/loyalty"
        ) from None


def _tune_sqlite(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    for pragma in SQLITE_PRAGMAS:
        cursor.execute(pragma)
    cursor.close()
