"""Every error is JSON in one shape, never an HTML page or a stack trace."""

from __future__ import annotations

import pytest

from api.app import create_app
from tests.api.http.conftest import assert_error


def test_unknown_route_is_a_json_404(client):
    assert_error(client.get("/v1/nowhere"), 404)


def test_wrong_method_is_a_json_405_with_allow(client):
    response = client.delete("/healthz")
    assert_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_body_over_the_limit_is_a_json_413(settings, engine, keys):
    app = create_app(settings=settings, test_config={"MAX_CONTENT_LENGTH": 1024})
    response = app.test_client().post(
        "/v1/members",
        data="[" + ",".join(["{}"] * 1000) + "]",
        content_type="application/json",
        headers={"Authorization": f"Bearer {keys['admin']}"},
    )
    assert_error(response, 413)
    app.extensions["loyalty"].close()


def test_unexpected_failure_is_a_generic_json_500(settings):
    app = create_app(settings=settings)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret detail of the server")

    response = app.test_client().get("/boom")
    body = assert_error(response, 500)
    text = response.get_data(as_text=True)
    assert "secret detail" not in text and "Traceback" not in text
    assert body["status"] == "Internal Server Error"


def test_unreachable_database_is_a_503_without_details(tmp_path):
    from loyalty.config import Settings

    broken = Settings(
        data_dir=tmp_path, database_url="postgresql+psycopg://nobody@127.0.0.1:1/none"
    )
    app = create_app(settings=broken)
    body = assert_error(app.test_client().get("/readyz"), 503)
    assert body["errors"]["database"] == ["failed: DatabaseUnavailableError"]
    assert "127.0.0.1" not in body["message"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"joined_at": "2024-01-01"}, "tier"),
        ({"joined_at": "01/02/2024", "tier": "gold"}, "joined_at"),
        ({"joined_at": "2024-01-01", "tier": "gold", "teir": "x"}, "teir"),
        (
            {"joined_at": "2024-01-01", "tier": "gold", "attributes": {"pets": ["dog"]}},
            "attributes",
        ),
    ],
)
def test_bad_body_is_a_422_naming_the_field(client, as_role, body, field):
    response = client.put("/v1/members/M1", json=body, headers=as_role("admin"))
    errors = assert_error(response, 422)["errors"]
    assert field in errors["json"]


def test_body_that_is_not_json_is_a_400(client, as_role):
    response = client.put(
        "/v1/members/M1",
        data="{not json",
        content_type="application/json",
        headers=as_role("admin"),
    )
    assert_error(response, 400)


def test_nul_character_is_refused_on_every_database(client, as_role):
    body = {"joined_at": "2024-01-01", "tier": "go\x00ld"}
    response = client.put("/v1/members/M1", json=body, headers=as_role("admin"))
    assert "tier" in assert_error(response, 422)["errors"]["json"]
