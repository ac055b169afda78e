"""The database tables (SQLAlchemy Core). Migrations in ``loyalty/migrations`` create them.

Members and products carry an integer surrogate key used only inside the database, so that
the transactions table (by far the largest) stores two integers instead of two strings.
The retailer's own string ids are what every query returns.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

members = Table(
    "members",
    metadata,
    Column("member_key", Integer, primary_key=True, autoincrement=True),
    Column("member_id", String(64), nullable=False, unique=True),
    Column("joined_at", Date, nullable=False),
    Column("tier", String(32), nullable=False),
    Column("birth_year", Integer),
    Column("home_store", String(64)),
    Column("consent_personalization", Boolean, nullable=False, default=True),
    Column("attributes", JSON, nullable=False, default=dict),
)

products = Table(
    "products",
    metadata,
    Column("product_key", Integer, primary_key=True, autoincrement=True),
    Column("product_id", String(64), nullable=False, unique=True),
    Column("name", String(255), nullable=False),
    Column("brand", String(128), nullable=False),
    Column("category", String(255), nullable=False),
    Column("price", Float, nullable=False),
    Column("margin_pct", Float),
    Column("tags", Text, nullable=False, default=""),
    Column("channels", String(64), nullable=False, default="store;web"),
    Column("launched_at", Date),
    Column("active", Boolean, nullable=False, default=True),
    Column("attributes", JSON, nullable=False, default=dict),
)

transactions = Table(
    "transactions",
    metadata,
    # The key is the natural one of a purchase line (see below), member first: reading one
    # member's history is a range scan, and re-imports are idempotent.
    # No foreign keys: the importer refuses lines of unknown members or products before it
    # writes, members and products are never deleted (they are deactivated), and PostgreSQL's
    # per-row foreign-key triggers would more than double the cost of a bulk import.
    Column("member_key", Integer, primary_key=True),
    Column("purchased_at", DateTime, primary_key=True),
    Column("product_key", Integer, primary_key=True),
    Column("quantity", Float, nullable=False),
    Column("amount", Float, nullable=False),
    Column("channel", String(8), nullable=False, default="store"),
    Column("store_id", String(64)),
    # '' rather than NULL when absent: key columns cannot be NULL.
    Column("basket_id", String(64), primary_key=True, default=""),
    # SQLite: the table is its key's B-tree, half the size and twice as fast to fill.
    sqlite_with_rowid=False,
)

imports = Table(
    "imports",
    metadata,
    Column("import_key", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(32), nullable=False),
    Column("source", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows_read", Integer, nullable=False),
    Column("rows_written", Integer, nullable=False),
    Column("imported_at", DateTime, nullable=False),
    Index("ix_imports_kind", "kind"),
)
