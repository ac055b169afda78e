"""``/v1/campaigns`` and ``/v1/runs``: creating campaigns, generating runs, reading reports."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.api.http.conftest import assert_error
from tests.api.http.test_offers import (  # noqa: F401 (trained_shop is a fixture)
    BENEFITS,
    TODAY,
    WINTER,
    open_shop,
    redeem,
    trained_shop,
)


@pytest.fixture
def settings(settings):
    """The test database, with the engine's today on the last day of the shop's history."""
    return replace(settings, as_of=TODAY)


@pytest.fixture
def shop(client, settings, engine, trained_shop):  # noqa: F811 (the fixture imported above)
    """A function that imports the tiny retailer and its model."""

    def open_it() -> None:
        open_shop(settings, engine, trained_shop)
        client.application.extensions["loyalty"].close()  # see import_shop

    return open_it


def create(client, as_role, campaign=WINTER):
    return client.post("/v1/campaigns", json=campaign, headers=as_role("marketer"))


def generate_run(client, as_role, name="winter"):
    return client.post(f"/v1/campaigns/{name}/runs", headers=as_role("admin"))


def test_create_list_and_read(client, as_role):
    marketer = as_role("marketer")
    created = create(client, as_role, {k: v for k, v in WINTER.items() if k != "holdout"})
    assert created.status_code == 201, created.get_data(as_text=True)
    body = created.get_json()
    assert body == {**WINTER, "holdout": 0.05, "margin_floor": None, "current_run": None}
    create(client, as_role, {**WINTER, "name": "autumn"})
    listed = client.get("/v1/campaigns", headers=marketer).get_json()
    assert [c["name"] for c in listed] == ["autumn", "winter"]
    assert client.get("/v1/campaigns/winter", headers=marketer).get_json() == body


def test_invalid_or_existing_campaigns_are_422_naming_the_field(client, as_role):
    create(client, as_role)
    assert "name" in str(assert_error(create(client, as_role), 422)["errors"])
    backwards = create(client, as_role, {**WINTER, "name": "b", "valid_until": "2026-06-01"})
    assert "valid_until" in str(assert_error(backwards, 422)["errors"])
    for field, value in [("name", "Not A Slug"), ("budget", -1), ("offers_per_member", 0),
                         ("holdout", 0.9), ("valid_from", "soon"), ("colour", "red")]:  # fmt: skip
        refused = create(client, as_role, {**WINTER, "name": "c", field: value})
        assert field in str(assert_error(refused, 422)["errors"])
    missing = {k: v for k, v in WINTER.items() if k != "budget"} | {"name": "d"}
    assert "budget" in str(assert_error(create(client, as_role, missing), 422)["errors"])
    names = [c["name"] for c in client.get("/v1/campaigns", headers=as_role("admin")).get_json()]
    assert names == ["winter"]


def test_a_run_replaces_the_previous_one(client, as_role, shop):
    shop()
    client.post("/v1/benefits", json=BENEFITS, headers=as_role("marketer"))
    create(client, as_role)
    first = generate_run(client, as_role)
    assert first.status_code == 201, first.get_data(as_text=True)
    run = first.get_json()
    assert run["run_id"] == "winter-r0001" and run["status"] == "complete"
    assert run["as_of"] == TODAY.isoformat() and run["model_version"] == "v0001"
    assert run["summary"]["offers"] > 0 and run["summary"]["members"] == 40
    second = generate_run(client, as_role).get_json()
    assert second["run_id"] == "winter-r0002"
    marketer = as_role("marketer")
    replaced = client.get("/v1/runs/winter-r0001", headers=marketer).get_json()
    assert replaced["status"] == "replaced"
    assert client.get("/v1/campaigns/winter", headers=marketer).get_json()["current_run"] == (
        "winter-r0002"
    )
    runs = client.get("/v1/campaigns/winter/runs", headers=marketer).get_json()
    assert [r["run_id"] for r in runs] == ["winter-r0002", "winter-r0001"]
    offers = client.get("/v1/members/M000001/offers", headers=as_role("channel")).get_json()
    assert {o["run_id"] for o in offers["offers"]} <= {"winter-r0002"}


def test_report_counts_issued_and_redeemed(client, as_role, shop):
    shop()
    client.post("/v1/benefits", json=BENEFITS, headers=as_role("marketer"))
    create(client, as_role)
    marketer = as_role("marketer")
    before = client.get("/v1/campaigns/winter/report", headers=marketer).get_json()
    assert before["issued"] == 0 and before["current_run"] is None and before["purchases"] is None
    summary = generate_run(client, as_role).get_json()["summary"]
    assert client.get("/v1/runs/winter-r0001", headers=marketer).get_json()["summary"] == summary
    held = client.get("/v1/members/M000002/offers?channel=web", headers=as_role("channel"))
    redeemed = redeem(client, as_role, held.get_json()["offers"][0]["offer_id"]).get_json()
    report = client.get("/v1/campaigns/winter/report", headers=marketer).get_json()
    assert report["issued"] == summary["offers"] and report["redeemed"] == 1
    assert report["spend"] == pytest.approx(redeemed["face_value"])
    assert report["purchases"]["window"] == "2026-06-30..2026-06-30"


def test_runs_refused_without_benefits_after_the_end_or_without_a_model(client, as_role, shop):
    create(client, as_role)
    assert "benefits" in str(assert_error(generate_run(client, as_role), 422)["errors"])
    client.post("/v1/benefits", json=BENEFITS, headers=as_role("marketer"))
    assert_error(generate_run(client, as_role), 503)  # no model yet
    shop()
    ended = {**WINTER, "name": "spring", "valid_from": "2026-03-01", "valid_until": "2026-05-31"}
    create(client, as_role, ended)
    refused = assert_error(generate_run(client, as_role, "spring"), 422)
    assert "valid_until" in str(refused["errors"]) and "ended" in refused["message"]
    assert client.get("/v1/campaigns/spring/runs", headers=as_role("admin")).get_json() == []


def test_unknown_campaign_or_run_is_404(client, as_role):
    marketer = as_role("marketer")
    for url in ("/v1/campaigns/none", "/v1/campaigns/none/report", "/v1/campaigns/none/runs",
                "/v1/runs/none-r0001", "/v1/campaigns/n%00", "/v1/runs/r%00"):  # fmt: skip
        assert_error(client.get(url, headers=marketer), 404)
    assert_error(generate_run(client, as_role, "none"), 404)


def test_roles(client, as_role):
    create(client, as_role)
    channel, marketer = as_role("channel"), as_role("marketer")
    for url in ("/v1/campaigns", "/v1/campaigns/winter", "/v1/campaigns/winter/report",
                "/v1/campaigns/winter/runs", "/v1/runs/winter-r0001"):  # fmt: skip
        assert_error(client.get(url), 401)
        assert_error(client.get(url, headers=channel), 403)
    assert_error(client.post("/v1/campaigns", json=WINTER, headers=channel), 403)
    assert_error(client.post("/v1/campaigns/winter/runs", headers=channel), 403)
    assert_error(client.post("/v1/campaigns/winter/runs", headers=marketer), 403)
    assert_error(client.post("/v1/campaigns/winter/runs"), 401)
