"""Brand-fit rules: drafts and published rule sets.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the drafts and rule-set tables."""
    op.create_table(
        "brand_fit_drafts",
        sa.Column("rule_id", sa.String(80), primary_key=True),
        sa.Column("rule", sa.JSON, nullable=False),
        sa.Column("saved_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "brand_fit_rule_sets",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("rules", sa.JSON, nullable=False),
        sa.Column("author", sa.String(128), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("published_at", sa.DateTime, nullable=False),
        sa.Column("current", sa.Boolean, nullable=False),
        sa.Column("rolled_back_from", sa.Integer),
    )


def downgrade() -> None:
    """Drop them again."""
    op.drop_table("brand_fit_rule_sets")
    op.drop_table("brand_fit_drafts")
