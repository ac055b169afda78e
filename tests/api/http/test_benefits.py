"""``/v1/benefits``: marketers save, read, replace, check and delete benefits over HTTP."""

from __future__ import annotations

from tests.api.http.conftest import assert_error

TEN_OFF = {
    "name": "Ten off",
    "type": "percent_off",
    "value": 10,
    "members": {"tier": {"in": ["silver", "gold"]}},
    "stages": ["active", "lapsing"],
}
FREE_DELIVERY = {"id": "free-delivery", "name": "Free delivery", "type": "free_delivery"}


def test_save_list_read_replace_delete(client, as_role):
    marketer = as_role("marketer")
    saved = client.post("/v1/benefits", json=[TEN_OFF, FREE_DELIVERY], headers=marketer)
    assert saved.get_json() == {"benefits": {"ten-off": "added", "free-delivery": "added"}}
    listed = client.get("/v1/benefits", headers=marketer).get_json()
    assert [b["id"] for b in listed] == ["free-delivery", "ten-off"]
    ten_off = client.get("/v1/benefits/ten-off", headers=marketer).get_json()
    assert ten_off["value"] == 10 and ten_off["stages"] == ["active", "lapsing"]
    assert ten_off["max_per_member"] == 1 and ten_off["kinds"] == ["favourite", "discovery"]
    again = client.post("/v1/benefits", json=[{**TEN_OFF, "value": 15}], headers=marketer)
    assert again.get_json() == {"benefits": {"ten-off": "replaced"}}
    put = client.put("/v1/benefits/ten-off", json={**TEN_OFF, "value": 20}, headers=marketer)
    assert put.status_code == 200 and put.get_json()["value"] == 20
    assert client.get("/v1/benefits/ten-off", headers=marketer).get_json()["value"] == 20
    created = client.put("/v1/benefits/bonus", json={"name": "B", "type": "bonus_points",
                                                     "value": 50}, headers=marketer)  # fmt: skip
    assert created.get_json()["id"] == "bonus"
    assert client.delete("/v1/benefits/ten-off", headers=marketer).status_code == 204
    listed = client.get("/v1/benefits", headers=marketer).get_json()
    assert [b["id"] for b in listed] == ["bonus", "free-delivery"]


def test_validate_saves_nothing(client, as_role):
    marketer = as_role("marketer")
    checked = client.post("/v1/benefits/validate", json=[TEN_OFF], headers=marketer)
    assert checked.status_code == 200 and checked.get_json()[0]["id"] == "ten-off"
    assert client.get("/v1/benefits", headers=marketer).get_json() == []


def test_invalid_benefits_are_422_naming_the_field(client, as_role):
    marketer = as_role("marketer")
    for url in ("/v1/benefits", "/v1/benefits/validate"):
        no_value = client.post(url, json=[{**TEN_OFF, "value": None}], headers=marketer)
        assert "value" in str(assert_error(no_value, 422)["errors"])
        too_much = client.post(url, json=[{**TEN_OFF, "value": 100}], headers=marketer)
        assert "value" in str(assert_error(too_much, 422)["errors"])
        perk = client.post(url, json=[{**FREE_DELIVERY, "value": 3}], headers=marketer)
        assert "value" in str(assert_error(perk, 422)["errors"])
        unknown = client.post(url, json=[{**TEN_OFF, "colour": "red"}], headers=marketer)
        assert "colour" in str(assert_error(unknown, 422)["errors"])
        predicate = client.post(url, json=[{**TEN_OFF, "members": {"shoe": 1}}], headers=marketer)
        assert "shoe" in str(assert_error(predicate, 422)["errors"])
        twice = client.post(url, json=[TEN_OFF, TEN_OFF], headers=marketer)
        assert "unique" in str(assert_error(twice, 422))
    assert_error(client.post("/v1/benefits", json=TEN_OFF, headers=marketer), 422)  # not a list
    mismatch = client.put("/v1/benefits/other", json={**TEN_OFF, "id": "ten-off"}, headers=marketer)
    assert "id" in str(assert_error(mismatch, 422)["errors"])
    not_a_slug = client.put("/v1/benefits/Ten_Off", json=TEN_OFF, headers=marketer)
    assert "slug" in str(assert_error(not_a_slug, 422))
    assert client.get("/v1/benefits", headers=marketer).get_json() == []


def test_unknown_benefit_is_404(client, as_role):
    marketer = as_role("marketer")
    assert_error(client.get("/v1/benefits/nothing", headers=marketer), 404)
    assert_error(client.delete("/v1/benefits/nothing", headers=marketer), 404)
    assert_error(client.delete("/v1/benefits/n%00", headers=marketer), 404)


def test_only_marketers_and_admins_touch_benefits(client, as_role):
    channel = as_role("channel")
    assert_error(client.get("/v1/benefits"), 401)
    assert_error(client.get("/v1/benefits", headers={"Authorization": "Bearer nope"}), 401)
    assert_error(client.get("/v1/benefits", headers=channel), 403)
    assert_error(client.post("/v1/benefits", json=[TEN_OFF], headers=channel), 403)
    assert_error(client.post("/v1/benefits/validate", json=[TEN_OFF], headers=channel), 403)
    assert_error(client.get("/v1/benefits/ten-off", headers=channel), 403)
    assert_error(client.put("/v1/benefits/ten-off", json=TEN_OFF, headers=channel), 403)
    assert_error(client.delete("/v1/benefits/ten-off", headers=channel), 403)
    assert client.post("/v1/benefits", json=[TEN_OFF], headers=as_role("admin")).status_code == 200
