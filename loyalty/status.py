"""What the engine holds: counts of members, products and transactions, and the latest imports."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from loyalty import tables


def data_status(engine: Engine) -> dict:
    """Counts per table and when each kind of data was last imported."""
    with engine.connect() as connection:
        counts = {
            name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for name, table in (
                ("members", tables.members),
                ("products", tables.products),
                ("transactions", tables.transactions),
            )
        }
        window = connection.execute(
            select(
                func.min(tables.transactions.c.purchased_at),
                func.max(tables.transactions.c.purchased_at),
            )
        ).one()
        last = connection.execute(
            select(tables.imports.c.kind, func.max(tables.imports.c.imported_at)).group_by(
                tables.imports.c.kind
            )
        ).all()
    return {
        **counts,
        "first_purchase": _iso(window[0]),
        "last_purchase": _iso(window[1]),
        "last_import": {kind: _iso(moment) for kind, moment in last},
    }


def _iso(moment) -> str | None:
    return None if moment is None else moment.isoformat()


def member_count(engine: Engine) -> int:
    """How many members there are."""
    with engine.connect() as connection:
        return connection.execute(select(func.count()).select_from(tables.members)).scalar_one()
