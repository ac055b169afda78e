"""Benefits, campaigns, offer runs, offers and redemptions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Create the offer tables."""
    op.create_table(
        "benefits",
        sa.Column("benefit_id", sa.String(80), primary_key=True),
        sa.Column("benefit", sa.JSON, nullable=False),
        sa.Column("saved_at", sa.DateTime, nullable=False),
    )
    op.create_table(
        "campaigns",
        sa.Column("name", sa.String(80), primary_key=True),
        sa.Column("budget", sa.Float, nullable=False),
        sa.Column("offers_per_member", sa.Integer, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("holdout", sa.Float, nullable=False),
        sa.Column("margin_floor", sa.Float),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("current_run", sa.String(100)),
    )
    op.create_table(
        "offer_runs",
        sa.Column("run_id", sa.String(100), primary_key=True),
        sa.Column("campaign", sa.String(80), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("started_at", sa.DateTime, nullable=False),
        sa.Column("finished_at", sa.DateTime),
        sa.Column("as_of", sa.Date, nullable=False),
        sa.Column("model_version", sa.String(32)),
        sa.Column("ruleset_version", sa.Integer),
        sa.Column("summary", sa.JSON),
    )
    op.create_table(
        "offers",
        sa.Column("run_id", sa.String(100), nullable=False),
        sa.Column("offer_id", sa.String(40), nullable=False),
        sa.Column("campaign", sa.String(80), nullable=False),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("rank", sa.Integer, nullable=False),
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("benefit_id", sa.String(80), nullable=False),
        sa.Column("benefit_type", sa.String(32), nullable=False),
        sa.Column("benefit_value", sa.Float, nullable=False),
        sa.Column("face_value", sa.Float, nullable=False),
        sa.Column("expected_value", sa.Float, nullable=False),
        sa.Column("valid_from", sa.Date, nullable=False),
        sa.Column("valid_until", sa.Date, nullable=False),
        sa.Column("channels", sa.String(32), nullable=False),
        sa.Column("journey_stage", sa.String(16), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("personalized", sa.Boolean, nullable=False),
        sa.Column("holdout", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("model_version", sa.String(32)),
        sa.Column("ruleset_version", sa.Integer),
        sa.PrimaryKeyConstraint("run_id", "offer_id"),
    )
    op.create_index("ix_offers_member", "offers", ["member_id"])
    op.create_index("ix_offers_offer", "offers", ["offer_id"])
    op.create_table(
        "redemptions",
        sa.Column("offer_id", sa.String(40), primary_key=True),
        sa.Column("campaign", sa.String(80), nullable=False, index=True),
        sa.Column("run_id", sa.String(100), nullable=False),
        sa.Column("member_id", sa.String(64), nullable=False),
        sa.Column("product_id", sa.String(64), nullable=False),
        sa.Column("face_value", sa.Float, nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("basket_id", sa.String(64)),
        sa.Column("redeemed_at", sa.DateTime, nullable=False),
    )


def downgrade() -> None:
    """Drop them again."""
    for table in ("redemptions", "offers", "offer_runs", "campaigns", "benefits"):
        op.drop_table(table)
