"""Drafts and published rule sets in the database.

The drafts are the marketers' working copy of the whole rule set. Publishing copies them, in
one transaction, into a new numbered rule set that becomes current: a reader sees the old set
or the new one, never a mix. Rolling back publishes an older set's rules again under a new
number and makes them the drafts too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from loyalty.brand_fit.errors import RuleNotFoundError, RuleSetInputError
from loyalty.brand_fit.schema import Rule
from loyalty.brand_fit.tables import brand_fit_drafts as drafts
from loyalty.brand_fit.tables import brand_fit_rule_sets as rule_sets
from loyalty.brand_fit.validation import validate_rules
from loyalty.errors import LoyaltyError


@dataclass(frozen=True)
class Draft:
    """A rule of the working copy and how it differs from the current rule set.

    ``status``: ``new``, ``changed``, ``published`` (as in the current set) or ``removed``
    (in the current set, no longer among the drafts).
    """

    rule: Rule
    status: str


@dataclass(frozen=True)
class RuleSetInfo:
    """One published rule set, as the history shows it."""

    version: int
    published_at: datetime
    author: str
    note: str
    rules: int
    current: bool
    rolled_back_from: int | None


def add_drafts(engine: Engine, rules: list[Rule]) -> dict[str, str]:
    """Save rules as drafts; a draft with the same id is replaced. Returns id -> what happened."""
    now = datetime.now()
    with engine.begin() as connection:
        existing = set(connection.execute(select(drafts.c.rule_id)).scalars())
        ids = [rule.id for rule in rules]
        connection.execute(delete(drafts).where(drafts.c.rule_id.in_(ids)))
        if rules:
            connection.execute(
                insert(drafts),
                [{"rule_id": r.id, "rule": r.to_json(), "saved_at": now} for r in rules],
            )
    return {rule_id: "replaced" if rule_id in existing else "added" for rule_id in ids}


def list_drafts(engine: Engine) -> list[Draft]:
    """The drafts, highest priority first, plus the published rules removed from them."""
    with engine.connect() as connection:
        working = _drafts(connection)
        _, published = _current(connection)
    live = {rule.id: rule for rule in published}
    listed = [
        Draft(rule, "new" if rule.id not in live else _compare(rule, live[rule.id]))
        for rule in working
    ]
    kept = {rule.id for rule in working}
    listed += [Draft(rule, "removed") for rule in published if rule.id not in kept]
    return sorted(listed, key=lambda d: (-d.rule.priority, d.rule.id))


def remove_draft(engine: Engine, rule_id: str) -> None:
    """Remove one draft; the next publish leaves its rule out."""
    with engine.begin() as connection:
        gone = connection.execute(delete(drafts).where(drafts.c.rule_id == rule_id)).rowcount
    if not gone:
        raise RuleNotFoundError(f"no draft rule with id {rule_id!r}; see `loyalty rules list`")


def publish(engine: Engine, note: str, author: str) -> int:
    """Publish the drafts as a new numbered rule set and make it current; returns its number."""
    _require_note(note)
    with engine.begin() as connection:
        rules = _drafts(connection)
        version, published = _current(connection)
        if [r.to_json() for r in rules] == [r.to_json() for r in published] and (
            rules or version is None
        ):
            where = f"rule set {version}" if version else "nothing (no drafts, nothing published)"
            raise RuleSetInputError(f"nothing to publish: the drafts are {where}")
        return _write_rule_set(connection, rules, note, author, None)


def rollback(engine: Engine, version: int, author: str, note: str = "") -> int:
    """Publish rule set ``version``'s rules again as a new number; the drafts become them."""
    with engine.begin() as connection:
        stored = connection.execute(
            select(rule_sets.c.rules).where(rule_sets.c.version == version)
        ).scalar_one_or_none()
        if stored is None:
            raise RuleNotFoundError(f"no rule set {version}; see `loyalty rules history`")
        rules = validate_rules(stored, source=f"rule set {version}")
        connection.execute(delete(drafts))
        if rules:
            now = datetime.now()
            connection.execute(
                insert(drafts),
                [{"rule_id": r.id, "rule": r.to_json(), "saved_at": now} for r in rules],
            )
        note = note or f"rollback to rule set {version}"
        return _write_rule_set(connection, rules, note, author, version)


def history(engine: Engine) -> list[RuleSetInfo]:
    """Every published rule set, newest first."""
    with engine.connect() as connection:
        rows = connection.execute(select(rule_sets).order_by(rule_sets.c.version.desc())).all()
    return [
        RuleSetInfo(
            r.version, r.published_at, r.author, r.note, len(r.rules), r.current, r.rolled_back_from
        )
        for r in rows
    ]


def current_rule_set(engine: Engine) -> tuple[int | None, list[Rule]]:
    """The current rule set's number and rules; ``(None, [])`` before the first publish."""
    with engine.connect() as connection:
        return _current(connection)


def rule_set(engine: Engine, version: int) -> list[Rule]:
    """The rules of published rule set ``version``."""
    with engine.connect() as connection:
        stored = connection.execute(
            select(rule_sets.c.rules).where(rule_sets.c.version == version)
        ).scalar_one_or_none()
    if stored is None:
        raise RuleNotFoundError(f"no rule set {version}; see `loyalty rules history`")
    return validate_rules(stored, source=f"rule set {version}")


def current_version(engine: Engine) -> int | None:
    """The current rule set's number (a one-row query; None before the first publish)."""
    with engine.connect() as connection:
        return connection.execute(_CURRENT_VERSION).scalar_one_or_none()


_CURRENT_VERSION = select(rule_sets.c.version).where(rule_sets.c.current)


def _write_rule_set(connection: Connection, rules, note, author, rolled_back_from) -> int:
    latest = connection.execute(select(func.max(rule_sets.c.version))).scalar_one()
    version = (latest or 0) + 1
    connection.execute(update(rule_sets).where(rule_sets.c.current).values(current=False))
    row = _rule_set_row(version, rules, note, author, rolled_back_from)
    try:
        connection.execute(insert(rule_sets).values(**row))
    except IntegrityError:
        raise LoyaltyError(
            f"rule set {version} was published by someone else at the same moment; try again"
        ) from None
    return version


def _rule_set_row(version, rules, note, author, rolled_back_from) -> dict:
    return {
        "version": version,
        "rules": [rule.to_json() for rule in rules],
        "author": author,
        "note": note,
        "published_at": datetime.now(),
        "current": True,
        "rolled_back_from": rolled_back_from,
    }


def _drafts(connection: Connection) -> list[Rule]:
    stored = connection.execute(select(drafts.c.rule).order_by(drafts.c.rule_id)).scalars().all()
    return validate_rules(list(stored), source="drafts") if stored else []


def _current(connection: Connection) -> tuple[int | None, list[Rule]]:
    row = connection.execute(
        select(rule_sets.c.version, rule_sets.c.rules).where(rule_sets.c.current)
    ).one_or_none()
    if row is None:
        return None, []
    return row.version, validate_rules(row.rules, source=f"rule set {row.version}")


def _compare(draft: Rule, live: Rule) -> str:
    return "published" if draft.to_json() == live.to_json() else "changed"


def _require_note(note: str) -> None:
    if not note or not note.strip():
        raise RuleSetInputError("publish: --note is required: say what changed and why")
