"""The tables of benefits, campaigns, runs, offers and redemptions (migrations 0004, 0006-7)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
)

from loyalty.tables import metadata

benefits = Table(
    "benefits",
    metadata,
    Column("benefit_id", String(80), primary_key=True),
    Column("benefit", JSON, nullable=False),
    Column("saved_at", DateTime, nullable=False),
)

campaigns = Table(
    "campaigns",
    metadata,
    Column("name", String(80), primary_key=True),
    Column("budget", Float, nullable=False),
    Column("offers_per_member", Integer, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("holdout", Float, nullable=False),
    Column("margin_floor", Float),
    Column("created_at", DateTime, nullable=False),
    Column("current_run", String(100)),
)

# One batch generation of a campaign's offers; ``current_run`` of the campaign points at the
# run members see, set only once the run is complete.
offer_runs = Table(
    "offer_runs",
    metadata,
    Column("run_id", String(100), primary_key=True),
    Column("campaign", String(80), nullable=False, index=True),
    Column("status", String(16), nullable=False),
    Column("started_at", DateTime, nullable=False),
    Column("finished_at", DateTime),
    Column("as_of", Date, nullable=False),
    Column("model_version", String(32)),
    Column("ruleset_version", Integer),
    Column("summary", JSON),
)

# Offers of every run; the holdout's would-be offers are kept (``holdout``) for the uplift
# report but never shown or redeemed. Keyed by run, member and rank: a run is written in member
# order and deleted whole, each a contiguous range of the key (migration 0006); on SQLite the
# rows are that key's b-tree, not a rowid table with the key beside it (0007).
offers = Table(
    "offers",
    metadata,
    Column("run_id", String(100), nullable=False),
    Column("offer_id", String(40), nullable=False),
    Column("campaign", String(80), nullable=False),
    Column("member_id", String(64), nullable=False),
    Column("rank", Integer, nullable=False),
    Column("product_id", String(64), nullable=False),
    Column("benefit_id", String(80), nullable=False),
    Column("benefit_type", String(32), nullable=False),
    Column("benefit_value", Float, nullable=False),
    Column("face_value", Float, nullable=False),
    Column("expected_value", Float, nullable=False),
    Column("valid_from", Date, nullable=False),
    Column("valid_until", Date, nullable=False),
    Column("channels", String(32), nullable=False),
    Column("journey_stage", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("personalized", Boolean, nullable=False),
    Column("holdout", Boolean, nullable=False),
    Column("reason_id", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("model_version", String(32)),
    Column("ruleset_version", Integer),
    PrimaryKeyConstraint("run_id", "member_id", "rank", name="offers_pkey"),
    sqlite_with_rowid=False,
)

# Each run's reasons, once each: a run's offers say the same few hundred thousand things many
# times over (2.8 million offers, 188,000 distinct reasons, 93 characters on average), and an
# offer keeps its reason's number. Offers a third smaller made writing and deleting a
# million members' offers faster (migration 0008).
offer_reasons = Table(
    "offer_reasons",
    metadata,
    Column("run_id", String(100), nullable=False),
    Column("reason_id", Integer, nullable=False),
    Column("reason", Text, nullable=False),
    PrimaryKeyConstraint("run_id", "reason_id", name="offer_reasons_pkey"),
    sqlite_with_rowid=False,
)

# Where each offer of a run is, by its id (what a till scans to redeem it). A table of its own,
# written in id order, rather than an index on ``offers.offer_id``: offers are written in
# member order, so such an index took its entries at random places, which made writing a
# million members' offers 2x and deleting them 3x as slow (migration 0006).
offers_by_id = Table(
    "offers_by_id",
    metadata,
    Column("run_id", String(100), nullable=False),
    Column("offer_id", String(40), nullable=False),
    Column("member_id", String(64), nullable=False),
    Column("rank", Integer, nullable=False),
    PrimaryKeyConstraint("run_id", "offer_id", name="offers_by_id_pkey"),
    sqlite_with_rowid=False,
)

# A redemption keeps what was redeemed, so it outlives the run that made the offer.
redemptions = Table(
    "redemptions",
    metadata,
    Column("offer_id", String(40), primary_key=True),
    Column("campaign", String(80), nullable=False, index=True),
    Column("run_id", String(100), nullable=False),
    Column("member_id", String(64), nullable=False),
    Column("product_id", String(64), nullable=False),
    Column("face_value", Float, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("basket_id", String(64)),
    Column("redeemed_at", DateTime, nullable=False),
)
