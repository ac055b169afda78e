"""API keys: no key or a bad one is 401, a key outside its role is 403, revoked keys stop."""

from __future__ import annotations

import time

import pytest

from api.app import create_app
from loyalty.keys import create_key, revoke_key
from tests.api.http.conftest import assert_error

MEMBER = {"joined_at": "2024-01-01", "tier": "gold"}
PRODUCT = {"name": "Oat Milk", "brand": "Havre", "category": "Food > Dairy", "price": 19.9}

# (method, path, body, roles allowed)
ROUTES = [
    ("get", "/v1/members/M1", None, {"marketer", "admin"}),
    ("put", "/v1/members/M1", MEMBER, {"admin"}),
    ("post", "/v1/members", [], {"admin"}),
    ("get", "/v1/products/P1", None, {"channel", "marketer", "admin"}),
    ("put", "/v1/products/P1", PRODUCT, {"admin"}),
    ("post", "/v1/products", [], {"admin"}),
    ("get", "/v1/status", None, {"marketer", "admin"}),
    ("post", "/v1/imports/members", None, {"admin"}),
]


@pytest.mark.parametrize(
    "authorization", [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer lk_not-a-key"]
)
def test_missing_or_unknown_key_is_401(client, authorization):
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get("/v1/status", headers=headers)
    assert_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_each_route_admits_exactly_its_roles(client, as_role):
    for method, path, body, allowed in ROUTES:
        for role in ("channel", "marketer", "admin"):
            response = getattr(client, method)(path, json=body, headers=as_role(role))
            if role in allowed:
                assert response.status_code not in (401, 403), (method, path, role)
            else:
                body_403 = assert_error(response, 403)
                assert role in body_403["message"], (method, path, role)


def test_auth_comes_before_body_validation(client, as_role):
    response = client.put("/v1/members/M1", json={"bad": 1}, headers=as_role("channel"))
    assert_error(response, 403)
    assert_error(client.put("/v1/members/M1", json={"bad": 1}), 401)


def test_revoked_key_is_refused(client, engine, keys, as_role):
    assert client.get("/v1/status", headers=as_role("admin")).status_code == 200
    revoke_key(engine, "test-admin")
    assert_error(client.get("/v1/status", headers=as_role("admin")), 401)


def test_cached_key_stops_working_within_the_cache_time(settings, engine):
    app = create_app(settings=settings, test_config={"KEY_CACHE_SECONDS": 0.3})
    client = app.test_client()
    _, secret = create_key(engine, "web-shop", "admin")
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/v1/status", headers=headers).status_code == 200
    revoke_key(engine, "web-shop")
    time.sleep(0.4)
    assert_error(client.get("/v1/status", headers=headers), 401)
    app.extensions["loyalty"].close()


def test_probes_and_docs_need_no_key(client):
    for path in ("/healthz", "/metrics", "/openapi.json", "/docs"):
        assert client.get(path).status_code == 200, path
    # Without a model the service is not ready, but it answers without a key all the same.
    assert client.get("/readyz").status_code == 503
