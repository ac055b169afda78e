"""``/v1/rules``: a marketer goes from drafts to a published rule set and back, through HTTP."""

from __future__ import annotations

from tests.api.http.conftest import assert_error

NO_ALCOHOL = {
    "name": "No alcohol in offers",
    "effect": "exclude",
    "products": {"tags": {"contains": "alcohol"}},
    "applies_to": ["offers"],
    "priority": 100,
}
BRAND_LIMIT = {"name": "Two per brand", "effect": "limit", "per": "brand", "max": 2}


def test_drafts_publish_history_rollback(client, as_role):
    marketer = as_role("marketer")
    added = client.post("/v1/rules/drafts", json=[NO_ALCOHOL], headers=marketer)
    assert added.get_json() == {"drafts": {"no-alcohol-in-offers": "added"}}
    publish = {"note": "first rules", "author": "anna"}
    assert client.post("/v1/rules/publish", json=publish, headers=marketer).get_json() == {
        "version": 1
    }
    client.post("/v1/rules/drafts", json=[BRAND_LIMIT], headers=marketer)
    statuses = {
        d["rule"]["id"]: d["status"]
        for d in client.get("/v1/rules/drafts", headers=marketer).get_json()
    }
    assert statuses == {"no-alcohol-in-offers": "published", "two-per-brand": "new"}
    client.post("/v1/rules/publish", json={"note": "diversity", "author": "anna"}, headers=marketer)
    current = client.get("/v1/rules/current", headers=marketer).get_json()
    assert current["version"] == 2 and len(current["rules"]) == 2
    back = client.post(
        "/v1/rules/rollback", json={"version": 1, "author": "erik"}, headers=marketer
    )
    assert back.get_json() == {"version": 3}
    history = client.get("/v1/rules/history", headers=marketer).get_json()
    assert [(h["version"], h["current"], h["rolled_back_from"]) for h in history] == [
        (3, True, 1),
        (2, False, None),
        (1, False, None),
    ]


def test_invalid_rules_are_422_naming_rule_and_field(client, as_role):
    bad = {**NO_ALCOHOL, "products": {"colour": "red"}}
    body = assert_error(
        client.post("/v1/rules/validate", json=[bad], headers=as_role("marketer")), 422
    )
    assert "colour" in str(body["errors"])
    repeated = client.post(
        "/v1/rules/validate", json=[NO_ALCOHOL, NO_ALCOHOL], headers=as_role("marketer")
    )
    assert "must be unique" in str(assert_error(repeated, 422))


def test_a_channel_key_can_never_change_a_rule(client, as_role):
    channel = as_role("channel")
    assert_error(client.post("/v1/rules/drafts", json=[NO_ALCOHOL], headers=channel), 403)
    assert_error(
        client.post("/v1/rules/publish", json={"note": "x", "author": "y"}, headers=channel), 403
    )
    assert_error(client.get("/v1/rules/history", headers=channel), 403)


def test_unknown_draft_or_version_is_404_and_nothing_to_publish_is_4xx(client, as_role):
    marketer = as_role("marketer")
    assert_error(client.delete("/v1/rules/drafts/no-such-rule", headers=marketer), 404)
    assert_error(
        client.post("/v1/rules/rollback", json={"version": 9, "author": "a"}, headers=marketer), 404
    )
    empty = client.post("/v1/rules/publish", json={"note": "n", "author": "a"}, headers=marketer)
    assert 400 <= empty.status_code < 500


def test_one_draft_is_read_written_and_deleted_by_id(client, as_role):
    marketer = as_role("marketer")
    url = "/v1/rules/drafts/two-per-brand"
    assert_error(client.get(url, headers=marketer), 404)
    saved = client.put(url, json=BRAND_LIMIT, headers=marketer)
    assert saved.status_code == 200, saved.get_data(as_text=True)
    assert saved.get_json() == {"status": "new", "rule": {**saved.get_json()["rule"], "max": 2}}
    client.put(url, json={**BRAND_LIMIT, "max": 3}, headers=marketer)
    assert client.get(url, headers=marketer).get_json()["rule"]["max"] == 3
    body = assert_error(client.put(url, json={**BRAND_LIMIT, "id": "other"}, headers=marketer), 422)
    assert "id" in body["errors"]["json"]
    assert_error(client.put(url, json={"name": "x", "effect": "boost"}, headers=marketer), 422)
    assert_error(client.put(url, json=BRAND_LIMIT, headers=as_role("channel")), 403)
    assert client.delete(url, headers=marketer).status_code == 204
    assert_error(client.get(url, headers=marketer), 404)
