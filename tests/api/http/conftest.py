"""Fixtures of the HTTP API tests: the app on the test database, a client, and a key per role."""

from __future__ import annotations

import pytest

from api.app import create_app
from loyalty.keys import ROLES, create_key


@pytest.fixture
def app(settings, engine):
    """The app on a migrated test database (SQLite or PostgreSQL)."""
    app = create_app(settings=settings, test_config={"KEY_CACHE_SECONDS": 0.0})
    yield app
    app.extensions["loyalty"].close()


@pytest.fixture
def client(app):
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def keys(engine) -> dict[str, str]:
    """One active API key per role, by role."""
    return {role: create_key(engine, f"test-{role}", role)[1] for role in ROLES}


@pytest.fixture
def as_role(keys):
    """Headers that authenticate as ``role``."""

    def headers(role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {keys[role]}"}

    return headers


def assert_error(response, code: int) -> dict:
    """The response is an error of ``code`` in the one JSON shape; returns its body."""
    assert response.status_code == code, response.get_data(as_text=True)
    assert response.is_json
    body = response.get_json()
    assert set(body) == {"code", "status", "message", "errors"}
    assert body["code"] == code
    assert isinstance(body["message"], str) and body["message"]
    return body
