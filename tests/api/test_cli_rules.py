"""The ``loyalty rules`` commands, end to end on a real database."""

from __future__ import annotations

import json

from tests.sample_files import write

RULES = json.dumps(
    [
        {
            "name": "No alcohol in offers",
            "effect": "exclude",
            "products": {"tags": {"contains": "alcohol"}},
            "applies_to": ["offers"],
            "priority": 100,
        },
        {
            "name": "Private label first",
            "effect": "boost",
            "strength": 0.3,
            "products": {"brand": "Hemma"},
        },
    ]
)


def test_validate_add_list_publish_history(run, tmp_path):
    rules = write(tmp_path, "rules.json", RULES)
    result = run("rules", "validate", rules)
    assert result.exit_code == 0, result.output
    assert "2 rule(s) valid: no-alcohol-in-offers, private-label-first" in result.output
    assert "added draft private-label-first" in run("rules", "add", rules).output
    listed = json.loads(run("rules", "list", "--json").output)
    assert [(r["id"], r["status"]) for r in listed] == [
        ("no-alcohol-in-offers", "new"),
        ("private-label-first", "new"),
    ]
    result = run("rules", "publish", "--note", "first rules", "--author", "anna")
    assert result.exit_code == 0 and "published rule set 1" in result.output
    history = json.loads(run("rules", "history", "--json").output)
    assert [(h["version"], h["author"], h["note"], h["rules"], h["current"]) for h in history] == [
        (1, "anna", "first rules", 2, True)
    ]
    assert "* " in run("rules", "history").output


def test_remove_then_rollback(run, tmp_path):
    run("rules", "add", write(tmp_path, "rules.json", RULES))
    run("rules", "publish", "--note", "first")
    assert run("rules", "remove", "private-label-first").output == (
        "removed draft private-label-first\n"
    )
    assert "removed " in run("rules", "list").output
    run("rules", "publish", "--note", "no boost")
    result = run("rules", "rollback", "1")
    assert result.exit_code == 0, result.output
    assert "published rule set 3 (the rules of rule set 1)" in result.output
    history = json.loads(run("rules", "history", "--json").output)
    latest = history[0]
    assert (latest["version"], latest["rules"], latest["rolled_back_from"]) == (3, 2, 1)


def test_bad_rules_exit_2_naming_rule_field_and_what_is_allowed(run, tmp_path):
    bad = write(
        tmp_path, "bad.json", '{"name": "Oops", "effect": "exclude", "products": {"colour": "red"}}'
    )
    result = run("rules", "add", bad)
    assert result.exit_code == 2
    assert f"{bad}: rule 1 'Oops': products.colour: unknown product field; known: product_id" in (
        result.output
    )
    assert "Traceback" not in result.output
    assert json.loads(run("rules", "list", "--json").output) == []


def test_not_json_and_missing_file_exit_2(run, tmp_path):
    result = run("rules", "validate", write(tmp_path, "rules.json", "[{"))
    assert result.exit_code == 2 and "not valid JSON" in result.output
    assert run("rules", "validate", tmp_path / "missing.json").exit_code == 2


def test_nothing_to_publish_exits_2_and_unknown_ids_exit_3(run):
    result = run("rules", "publish", "--note", "x")
    assert result.exit_code == 2 and "nothing to publish" in result.output
    assert run("rules", "remove", "nope").exit_code == 3
    result = run("rules", "rollback", "4")
    assert result.exit_code == 3 and "no rule set 4" in result.output
