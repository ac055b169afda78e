"""``loyalty rules preview`` and ``impact`` on a tiny trained model, on a real database."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from recommender.model import SelectionModel
from recommender.store import ModelStore
from tests.sample_files import write

TODAY = "2025-04-01"
MEMBERS = "member_id,joined_at,tier,birth_year,home_store,consent_personalization\n" + "".join(
    f"M{i},2024-01-01,{'gold' if i % 2 else 'basic'},1980,S01,true\n" for i in range(1, 9)
)
PRODUCTS = "product_id,name,brand,category,price,tags,channels,active\n" + "".join(
    f"P{i},Product {i},{'Bryggeriet' if i == 2 else 'Hemma'},Food > Shelf > Row {i % 3},"
    f"{10 + i},{'alcohol' if i == 2 else 'food'},store;web,true\n"
    for i in range(1, 7)
)
PUBLISHED = {
    "name": "No alcohol",
    "effect": "exclude",
    "products": {"tags": {"contains": "alcohol"}},
}
DRAFT = [PUBLISHED, {"name": "No P1", "effect": "exclude", "products": {"product_id": "P1"}}]


def purchases() -> pd.DataFrame:
    """Every member buys most products weekly for ten weeks, P1 and P2 most of all."""
    lines = [
        (f"M{m}", f"P{p}", pd.Timestamp("2025-01-06") + pd.Timedelta(days=7 * week + m % 5))
        for week in range(10)
        for m in range(1, 9)
        for p in range(1, 7)
        if p <= 2 or (week + m + p) % 3 == 0
    ]
    frame = pd.DataFrame(lines, columns=["member_id", "product_id", "timestamp"])
    return frame.assign(quantity=1.0, amount=10.0, channel="store")


@pytest.fixture
def shop(run, settings, tmp_path):
    """Members and products imported, rule set 1 published, a model saved as current."""
    for kind, text in (("members", MEMBERS), ("products", PRODUCTS)):
        result = run("import", kind, write(tmp_path, f"{kind}.csv", text))
        assert result.exit_code == 0, result.output
    assert (
        run("rules", "add", write(tmp_path, "published.json", json.dumps(PUBLISHED))).exit_code == 0
    )
    assert run("rules", "publish", "--note", "no alcohol").exit_code == 0
    params = {"factors": 2, "iterations": 3, "random_state": 1}
    ModelStore(settings.models_dir).save(SelectionModel(**params).fit(purchases()))
    return write(tmp_path, "draft.json", json.dumps(DRAFT))


def test_preview_before_training_says_what_to_do(run):
    result = run("rules", "preview", "M1")
    assert result.exit_code == 1
    assert "run loyalty train first" in result.output


def test_preview_shows_both_selections_and_the_rule_behind_each_change(run, shop):
    result = run("--as-of", TODAY, "rules", "preview", "M1", "--draft", shop, "--n", 6, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    published = [row["product_id"] for row in report["published"]]
    draft = [row["product_id"] for row in report["draft"]]
    assert report["published_rule_set"] == 1
    assert sorted(published) == ["P1", "P3", "P4", "P5", "P6"]  # six asked, one excluded
    assert not {"P1", "P2"} & set(draft)
    assert {"product_id": "P1", "rule_id": "no-p1", "action": "removed"} in report["rules_draft"]
    removed = {c["product_id"]: c for c in report["changes"] if c["change"] == "removed"}
    assert removed["P1"]["rule_id"] == "no-p1"
    text = run("--as-of", TODAY, "rules", "preview", "M1", "--draft", shop)
    assert text.exit_code == 0 and "P1: removed by rule no-p1" in text.output
    assert run("rules", "preview", "M99").exit_code == 3


def test_drafts_in_the_database_are_previewed_without_a_file(run, shop):
    assert run("rules", "add", shop).exit_code == 0
    report = json.loads(run("--as-of", TODAY, "rules", "preview", "M2", "--json").output)
    assert "P1" not in [row["product_id"] for row in report["draft"]]


def test_impact_on_a_sample_of_members(run, shop):
    result = run("--as-of", TODAY, "rules", "impact", "--draft", shop, "--n", 6, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["members"] == 8 and report["published_rule_set"] == 1
    assert report["changed_share"] == 1.0
    assert report["removed_by_rule"]["no-p1"] == 8
    assert report["removed_by_rule"]["no-alcohol"] == 8
    assert (report["coverage_published"], report["coverage_draft"]) == (0.8333, 0.6667)
    assert (report["short_published"], report["short_draft"]) == (8, 8)
    sample = run("--as-of", TODAY, "rules", "impact", "--draft", shop, "--sample", 3, "--json")
    assert json.loads(sample.output)["members"] == 3
    assert "removed_by_rule" in run("--as-of", TODAY, "rules", "impact", "--draft", shop).output
