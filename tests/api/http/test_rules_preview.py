"""``POST /v1/rules/preview`` and ``/impact``: a draft on one member or a sample, through HTTP,
answering exactly what ``loyalty rules preview --json`` and ``impact --json`` print."""

from __future__ import annotations

import datetime
import json

import pytest

from api.app import create_app
from loyalty.ingest import import_file
from recommender.model import SelectionModel
from recommender.store import ModelStore
from tests.api.http.conftest import assert_error
from tests.api.test_cli_rules_preview import MEMBERS, PRODUCTS, PUBLISHED, TODAY, purchases
from tests.sample_files import write


@pytest.fixture
def app(settings, engine):
    """The app on the test database, its today the day the purchases were made for."""
    dated = settings.with_overrides(as_of=datetime.date.fromisoformat(TODAY))
    app = create_app(settings=dated, test_config={"KEY_CACHE_SECONDS": 0.0})
    yield app
    app.extensions["loyalty"].close()


@pytest.fixture
def shop(engine, client, as_role, tmp_path):
    """Eight members and six products (P2 is alcohol), rule set 1 (no alcohol) published;
    returns a function that trains and saves a model."""
    for kind, text in (("members", MEMBERS), ("products", PRODUCTS)):
        import_file(engine, kind, write(tmp_path, f"{kind}.csv", text))
    marketer = as_role("marketer")
    client.post("/v1/rules/drafts", json=[PUBLISHED], headers=marketer)
    client.post("/v1/rules/publish", json={"note": "no alcohol", "author": "t"}, headers=marketer)

    def train(settings) -> None:
        model = SelectionModel(factors=2, iterations=3, random_state=1).fit(purchases())
        ModelStore(settings.models_dir).save(model)

    return train


@pytest.fixture
def trained(shop, settings):
    shop(settings)


COLOURED = {**PUBLISHED, "products": {"colour": "red"}}


def not_this(product_id: str) -> dict:
    return {
        "name": f"Not {product_id}",
        "effect": "exclude",
        "products": {"product_id": product_id},
    }


def post(client, as_role, what: str, role: str = "marketer", **body):
    return client.post(f"/v1/rules/{what}", json=body, headers=as_role(role))


def test_a_draft_excluding_the_top_product_shows_it_removed_by_that_rule(client, as_role, trained):
    before = post(client, as_role, "preview", member_id="M1", n=6).get_json()
    assert before["published_rule_set"] == 1 and before["changes"] == []
    top = before["published"][0]["product_id"]
    assert "P2" not in [row["product_id"] for row in before["published"]]  # no alcohol
    draft = [PUBLISHED, not_this(top)]
    response = post(client, as_role, "preview", member_id="M1", n=6, rules=draft)
    assert response.status_code == 200, response.get_data(as_text=True)
    report = response.get_json()
    assert top not in [row["product_id"] for row in report["draft"]]
    removed = {c["product_id"]: c for c in report["changes"] if c["change"] == "removed"}
    assert removed[top]["rule_id"] == f"not-{top.lower()}" and removed[top]["published_rank"] == 1
    assert {"product_id": "P2", "rule_id": "no-alcohol", "action": "removed"} in report[
        "rules_draft"
    ]
    impact = post(client, as_role, "impact", n=6, rules=draft).get_json()
    assert impact["members"] == 8 and impact["changed_share"] > 0
    assert impact["removed_by_rule"][f"not-{top.lower()}"] > 0


def test_without_rules_the_saved_drafts_are_previewed(client, as_role, trained):
    client.post("/v1/rules/drafts", json=[not_this("P1")], headers=as_role("marketer"))
    report = post(client, as_role, "preview", member_id="M2", channel="store").get_json()
    assert report["channel"] == "store"
    assert "P1" not in [row["product_id"] for row in report["draft"]]
    assert any(c["rule_id"] == "not-p1" for c in report["changes"])
    assert post(client, as_role, "impact", sample=3).get_json()["members"] == 3


def test_the_reports_are_the_command_lines(client, as_role, trained, run, tmp_path):
    draft = [PUBLISHED, not_this("P4")]
    file = write(tmp_path, "draft.json", json.dumps(draft))
    cli = run("--as-of", TODAY, "rules", "preview", "M3", "--draft", file, "--n", 5, "--json")
    api = post(client, as_role, "preview", member_id="M3", n=5, rules=draft)
    assert api.get_json() == json.loads(cli.output)
    cli = run("--as-of", TODAY, "rules", "impact", "--draft", file, "--sample", 5, "--json")
    api = post(client, as_role, "impact", sample=5, rules=draft)
    assert api.get_json() == json.loads(cli.output)


def test_unknown_member_is_404_and_no_model_is_503(client, as_role, shop, settings):
    assert_error(post(client, as_role, "preview", member_id="M1"), 503)
    assert_error(post(client, as_role, "impact"), 503)
    shop(settings)
    assert (
        "NOBODY"
        in assert_error(post(client, as_role, "preview", member_id="NOBODY"), 404)["message"]
    )


def test_only_marketers_and_admins_preview(client, as_role, trained):
    for what, body in (("preview", {"member_id": "M1"}), ("impact", {})):
        assert_error(post(client, as_role, what, role="channel", **body), 403)
        assert_error(client.post(f"/v1/rules/{what}", json=body), 401)
        assert post(client, as_role, what, role="admin", **body).status_code == 200


@pytest.mark.parametrize(
    ("what", "body", "field"),
    [
        ("preview", {}, "member_id"),
        ("preview", {"member_id": "M1", "n": 0}, "n"),
        ("preview", {"member_id": "M1", "channel": "fax"}, "channel"),
        ("preview", {"member_id": "M1", "rules": [COLOURED]}, "colour"),
        ("impact", {"sample": 2001}, "sample"),
        ("impact", {"rules": {"name": "not a list"}}, "rules"),
        ("impact", {"rules": [PUBLISHED, PUBLISHED]}, "no-alcohol"),
        ("impact", {"samples": 5}, "samples"),
    ],
)  # fmt: skip
def test_bad_input_is_422_naming_the_field(client, as_role, what, body, field):
    body = assert_error(client.post(f"/v1/rules/{what}", json=body, headers=as_role("admin")), 422)
    assert field in json.dumps(body["errors"])
