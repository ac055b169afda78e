"""The migrations build exactly the tables the code declares, and step down and up again."""

from __future__ import annotations

import pandas as pd
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, inspect, select

import loyalty.brand_fit.tables
import loyalty.events
import loyalty.keys
import loyalty.offers.tables  # noqa: F401  (each module adds its tables to the metadata)
from loyalty.db import MIGRATIONS, migrate
from loyalty.offers.store import publish_run, run_offers
from loyalty.offers.tables import offer_reasons, offers, offers_by_id
from loyalty.tables import metadata
from tests.loyalty.offers.test_store import new_run, offer


def _differences(engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), metadata)


def _downgrade(engine, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def test_migrated_schema_is_the_declared_one(engine):
    assert _differences(engine) == []


def test_offers_key_migration_goes_down_and_up_again(engine):
    rows = pd.DataFrame([offer("o1"), offer("o2", rank=2), offer("o3", member_id="M2")])
    publish_run(engine, new_run(engine), rows, {})
    _downgrade(engine, "0005")
    with engine.connect() as connection:
        key = inspect(connection).get_pk_constraint("offers")["constrained_columns"]
        indexes = {index["name"] for index in inspect(connection).get_indexes("offers")}
    assert key == ["run_id", "offer_id"]
    assert indexes == {"ix_offers_member", "ix_offers_offer"}
    migrate(engine)
    assert _differences(engine) == []
    with engine.connect() as connection:  # offers kept, and found by id again
        query = select(offers_by_id.c.offer_id, offers_by_id.c.member_id, offers_by_id.c.rank)
        found = connection.execute(query.order_by(offers_by_id.c.offer_id)).all()
    assert [tuple(row) for row in found] == [("o1", "M1", 1), ("o2", "M1", 2), ("o3", "M2", 1)]


def _without_rowid(engine) -> bool:
    with engine.connect() as connection:
        sql = connection.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'offers'"
        ).scalar_one()
    return "WITHOUT ROWID" in sql.upper()


def test_offers_migration_0007_goes_down_and_up_with_its_offers(engine):
    # On SQLite the offers become a table WITHOUT ROWID and back; PostgreSQL has no rowid.
    sqlite = engine.dialect.name == "sqlite"
    publish_run(engine, new_run(engine), pd.DataFrame([offer("o1"), offer("o2", rank=2)]), {})
    assert not sqlite or _without_rowid(engine)
    _downgrade(engine, "0006")
    assert not sqlite or not _without_rowid(engine)
    migrate(engine)
    assert not sqlite or _without_rowid(engine)
    assert _differences(engine) == []
    with engine.connect() as connection:
        kept = connection.execute(select(offers.c.offer_id).order_by(offers.c.rank)).scalars()
        assert list(kept) == ["o1", "o2"]


def test_offer_reasons_migration_0008_goes_down_and_up_with_each_offers_reason(engine):
    reasons = ["Because you buy Oat milk", "You bought this once", "Because you buy Oat milk"]
    rows = [offer(f"o{rank}", rank=rank, reason=text) for rank, text in enumerate(reasons, 1)]
    run_id = new_run(engine)
    publish_run(engine, run_id, pd.DataFrame(rows), {})
    _downgrade(engine, "0007")
    with engine.connect() as connection:  # the text is back in each offer
        sql = "SELECT reason FROM offers ORDER BY rank"
        assert connection.exec_driver_sql(sql).scalars().all() == reasons
    migrate(engine)
    assert _differences(engine) == []
    assert run_offers(engine, run_id).sort_values("rank")["reason"].tolist() == reasons
    with engine.connect() as connection:  # each distinct text once
        assert connection.execute(select(func.count()).select_from(offer_reasons)).scalar() == 2
