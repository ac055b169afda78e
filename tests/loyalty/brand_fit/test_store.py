"""Drafts, publishing, rollback and history on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from loyalty.brand_fit import store
from loyalty.brand_fit.errors import RuleNotFoundError, RuleSetInputError
from loyalty.brand_fit.validation import validate_rules

RULES = validate_rules(
    [
        {
            "name": "No alcohol in offers",
            "effect": "exclude",
            "products": {"tags": "alcohol"},
            "applies_to": ["offers"],
            "priority": 100,
        },
        {"name": "Two per brand", "effect": "limit", "per": "brand", "max": 2},
    ]
)


def test_nothing_published_yet(engine):
    assert store.current_rule_set(engine) == (None, [])
    assert store.history(engine) == [] and store.list_drafts(engine) == []
    with pytest.raises(RuleSetInputError, match="nothing to publish"):
        store.publish(engine, note="first", author="anna")


def test_drafts_reach_members_only_when_published(engine):
    assert store.add_drafts(engine, RULES) == {
        "no-alcohol-in-offers": "added",
        "two-per-brand": "added",
    }
    assert store.current_rule_set(engine) == (None, [])
    assert store.publish(engine, note="first rules", author="anna") == 1
    assert store.current_rule_set(engine) == (1, sorted(RULES, key=lambda r: r.id))
    assert [d.status for d in store.list_drafts(engine)] == ["published", "published"]


def test_list_shows_new_changed_and_removed_drafts(engine):
    store.add_drafts(engine, RULES)
    store.publish(engine, note="first", author="anna")
    changed = validate_rules({**RULES[1].to_json(), "max": 3})
    new = validate_rules({"name": "Bury bulky", "effect": "bury", "strength": 0.5})
    assert store.add_drafts(engine, changed + new)["two-per-brand"] == "replaced"
    store.remove_draft(engine, "no-alcohol-in-offers")
    statuses = {d.rule.id: d.status for d in store.list_drafts(engine)}
    assert statuses == {
        "no-alcohol-in-offers": "removed",
        "two-per-brand": "changed",
        "bury-bulky": "new",
    }


def test_rollback_publishes_an_old_set_again_and_resets_the_drafts(engine):
    store.add_drafts(engine, RULES)
    store.publish(engine, note="first", author="anna")
    store.remove_draft(engine, "two-per-brand")
    store.publish(engine, note="no limit", author="bo")
    assert len(store.current_rule_set(engine)[1]) == 1
    assert store.rollback(engine, 1, author="anna") == 3
    version, rules = store.current_rule_set(engine)
    assert version == 3 and {r.id for r in rules} == {r.id for r in RULES}
    assert {d.status for d in store.list_drafts(engine)} == {"published"}
    assert [(s.version, s.current, s.rolled_back_from, s.rules) for s in store.history(engine)] == [
        (3, True, 1, 2),
        (2, False, None, 1),
        (1, False, None, 2),
    ]
    assert store.history(engine)[0].note == "rollback to rule set 1"


def test_unknown_version_and_draft_are_not_found(engine):
    with pytest.raises(RuleNotFoundError, match="no rule set 7"):
        store.rollback(engine, 7, author="anna")
    with pytest.raises(RuleNotFoundError, match="no draft rule with id 'nope'"):
        store.remove_draft(engine, "nope")


def test_a_note_is_required(engine):
    store.add_drafts(engine, RULES)
    with pytest.raises(RuleSetInputError, match="--note is required"):
        store.publish(engine, note="  ", author="anna")


def test_a_failing_publish_leaves_the_previous_set_current(engine, monkeypatch):
    store.add_drafts(engine, RULES)
    store.publish(engine, note="first", author="anna")
    store.remove_draft(engine, "two-per-brand")

    def broken_row(*args):
        raise RuntimeError("disk full")

    # Fails after the old set was marked not current, inside the same transaction.
    monkeypatch.setattr(store, "_rule_set_row", broken_row)
    with pytest.raises(RuntimeError):
        store.publish(engine, note="second", author="anna")
    assert store.current_rule_set(engine)[0] == 1
    assert [(s.version, s.current) for s in store.history(engine)] == [(1, True)]
