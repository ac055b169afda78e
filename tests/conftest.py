"""Shared fixtures: a real database per test, on SQLite and on PostgreSQL."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from api.cli import cli
from loyalty.config import Settings
from loyalty.db import connect

POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", "postgresql"])
def settings(request, tmp_path: Path) -> Settings:
    """Settings pointing at an empty database: a SQLite file, or a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield Settings(data_dir=tmp_path / "data")
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    server = sa.create_engine(POSTGRES_SERVER)
    with server.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    url = f"{POSTGRES_SERVER}?options=-csearch_path%3D{schema}"
    yield Settings(data_dir=tmp_path / "data", database_url=url)
    with server.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    server.dispose()


@pytest.fixture
def engine(settings: Settings):
    """A migrated engine on the test database."""
    engine = connect(settings)
    yield engine
    engine.dispose()


@pytest.fixture
def run(settings: Settings):
    """Run the ``loyalty`` command line against the test database; returns the click result."""

    def invoke(*args: str, env: dict | None = None):
        environment = {
            "LOYALTY_DATA_DIR": str(settings.data_dir),
            "LOYALTY_DATABASE_URL": settings.database_url or "",
            "LOYALTY_AS_OF": "",
            **(env or {}),
        }
        return CliRunner().invoke(cli, [str(a) for a in args], env=environment)

    return invoke
