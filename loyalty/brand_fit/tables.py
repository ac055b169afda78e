"""The tables of brand-fit rules, on the shared ``loyalty.tables.metadata`` (migration 0002)."""

from __future__ import annotations

from sqlalchemy import JSON, Boolean, Column, DateTime, Integer, String, Table, Text

from loyalty.tables import metadata

# The marketers' working copy of the whole rule set, one row per rule.
brand_fit_drafts = Table(
    "brand_fit_drafts",
    metadata,
    Column("rule_id", String(80), primary_key=True),
    Column("rule", JSON, nullable=False),
    Column("saved_at", DateTime, nullable=False),
)

# Published, immutable, numbered rule sets; exactly one is current once any is published.
brand_fit_rule_sets = Table(
    "brand_fit_rule_sets",
    metadata,
    Column("version", Integer, primary_key=True, autoincrement=False),
    Column("rules", JSON, nullable=False),
    Column("author", String(128), nullable=False),
    Column("note", Text, nullable=False),
    Column("published_at", DateTime, nullable=False),
    Column("current", Boolean, nullable=False, default=False),
    Column("rolled_back_from", Integer),
)
