"""``/v1/members``: upsert one or many, read one; same validation as imports."""

from __future__ import annotations

from tests.api.http.conftest import assert_error

GOLD = {
    "joined_at": "2023-01-05",
    "tier": "gold",
    "birth_year": 1980,
    "attributes": {"pets": "dog"},
}


def test_put_then_get_returns_the_member(client, as_role):
    response = client.put("/v1/members/M1", json=GOLD, headers=as_role("admin"))
    assert response.status_code == 200, response.get_json()
    stored = client.get("/v1/members/M1", headers=as_role("marketer")).get_json()
    assert stored == {
        "member_id": "M1", "joined_at": "2023-01-05", "tier": "gold", "birth_year": 1980,
        "home_store": None, "consent_personalization": True, "attributes": {"pets": "dog"},
    }  # fmt: skip


def test_put_updates_an_existing_member(client, as_role):
    client.put("/v1/members/M1", json=GOLD, headers=as_role("admin"))
    response = client.put(
        "/v1/members/M1", json={**GOLD, "tier": "silver"}, headers=as_role("admin")
    )
    assert response.get_json()["tier"] == "silver"


def test_put_with_another_id_in_the_body_is_422(client, as_role):
    response = client.put(
        "/v1/members/M1", json={**GOLD, "member_id": "M2"}, headers=as_role("admin")
    )
    assert "member_id" in assert_error(response, 422)["errors"]["json"]


def test_post_many_then_again_writes_nothing_new(client, as_role):
    members = [{**GOLD, "member_id": f"M{i}"} for i in range(3)]
    first = client.post("/v1/members", json=members, headers=as_role("admin")).get_json()
    assert (first["rows_read"], first["rows_written"]) == (3, 3)
    again = client.post("/v1/members", json=members, headers=as_role("admin")).get_json()
    assert (again["rows_read"], again["rows_written"]) == (3, 0)


def test_post_is_all_or_nothing_naming_the_position(client, as_role):
    members = [{**GOLD, "member_id": "M1"}, {**GOLD, "member_id": "M2", "tier": ""}]
    body = assert_error(client.post("/v1/members", json=members, headers=as_role("admin")), 422)
    assert "tier" in body["errors"]["json"]["1"]
    assert_error(client.get("/v1/members/M1", headers=as_role("admin")), 404)


def test_post_with_a_repeated_id_is_422(client, as_role):
    members = [{**GOLD, "member_id": "M1"}, {**GOLD, "member_id": "M1"}]
    body = assert_error(client.post("/v1/members", json=members, headers=as_role("admin")), 422)
    assert "member_id" in body["errors"]["json"]["1"]


def test_unknown_member_is_404_naming_it(client, as_role):
    body = assert_error(client.get("/v1/members/nobody", headers=as_role("admin")), 404)
    assert "'nobody'" in body["message"]
