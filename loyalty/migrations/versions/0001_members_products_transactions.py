"""Members, products, transactions and the import log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the catalogue, member and transaction tables."""
    op.create_table(
        "members",
        sa.Column("member_key", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("member_id", sa.String(64), nullable=False, unique=True),
        sa.Column("joined_at", sa.Date, nullable=False),
        sa.Column("tier", sa.String(32), nullable=False),
        sa.Column("birth_year", sa.Integer),
        sa.Column("home_store", sa.String(64)),
        sa.Column("consent_personalization", sa.Boolean, nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
    )
    op.create_table(
        "products",
        sa.Column("product_key", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("product_id", sa.String(64), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("brand", sa.String(128), nullable=False),
        sa.Column("category", sa.String(255), nullable=False),
        sa.Column("price", sa.Float, nullable=False),
        sa.Column("margin_pct", sa.Float),
        sa.Column("tags", sa.Text, nullable=False),
        sa.Column("channels", sa.String(64), nullable=False),
        sa.Column("launched_at", sa.Date),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("attributes", sa.JSON, nullable=False),
    )
    op.create_table(
        "transactions",
        sa.Column("member_key", sa.Integer, primary_key=True),
        sa.Column("purchased_at", sa.DateTime, primary_key=True),
        sa.Column("product_key", sa.Integer, primary_key=True),
        sa.Column("quantity", sa.Float, nullable=False),
        sa.Column("amount", sa.Float, nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("store_id", sa.String(64)),
        sa.Column("basket_id", sa.String(64), primary_key=True),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "imports",
        sa.Column("import_key", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows_read", sa.Integer, nullable=False),
        sa.Column("rows_written", sa.Integer, nullable=False),
        sa.Column("imported_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_imports_kind", "imports", ["kind"])


def downgrade() -> None:
    """Drop them again."""
    for table in ("imports", "transactions", "products", "members"):
        op.drop_table(table)
