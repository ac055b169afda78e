"""``/marketer``: the page and its assets are served, work offline, and call only documented
routes of the API (no browser here: the script is checked as text)."""

from __future__ import annotations

import re

import pytest

from api.http.marketer import PAGE
from tests.api.http.conftest import assert_error

ASSETS = {"app.js": "text/javascript", "style.css": "text/css"}
# Every call of the script goes through api(METHOD, PATH, ...), PATH a string or template.
CALL = re.compile(r"""api\(\s*"(GET|POST|PUT|PATCH|DELETE)",\s*["`](/v1/[^"`]*)["`]""")
TEMPLATE = re.compile(r"\$\{[^}]*\}")


def test_the_page_loads_without_a_key_and_shows_the_key_form(client):
    response = fetch(client, "/marketer")
    assert response.status_code == 200
    assert response.content_type == "text/html; charset=utf-8"
    html = response.get_data(as_text=True)
    assert re.search(r'<section id="sign-in"[^>]*>', html).group(0).count("hidden") == 0
    assert '<div id="work" hidden>' in html
    assert re.search(r'<input id="key"[^>]*type="password"', html)
    assert '<label for="key">' in html
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]


@pytest.mark.parametrize(("name", "mimetype"), ASSETS.items())
def test_the_assets_are_served_with_their_content_types(client, name, mimetype):
    html = fetch(client, "/marketer").get_data(as_text=True)
    assert f"/marketer/assets/{name}" in html
    response = fetch(client, f"/marketer/assets/{name}")
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.get_data() == (PAGE / name).read_bytes()


def test_a_missing_asset_is_a_json_404(client):
    assert_error(client.get("/marketer/assets/nothing.js"), 404)


def test_nothing_is_fetched_from_elsewhere():
    for path in PAGE.iterdir():
        text = path.read_text(encoding="utf-8")
        assert "http://" not in text and "https://" not in text and "//" not in _urls(text)
        assert "@import" not in text and "url(" not in text, path.name
    html = (PAGE / "index.html").read_text(encoding="utf-8")
    for url in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert url.startswith(("#", "/marketer/assets/")), url


def test_the_script_calls_only_documented_routes(client):
    script = (PAGE / "app.js").read_text(encoding="utf-8")
    calls = CALL.findall(script)
    assert len(calls) == script.count("/v1/")  # no call to /v1 outside api(...)
    document = client.get("/openapi.json").get_json()["paths"]
    routes = [(_pattern(path), operations) for path, operations in document.items()]
    for method, path in calls:
        concrete = TEMPLATE.sub("some-id", path)
        documented = [ops for pattern, ops in routes if pattern.fullmatch(concrete)]
        assert documented, f"{path} is not in the OpenAPI document"
        assert any(method.lower() in ops for ops in documented), f"{method} {path}"
    called = {(method, TEMPLATE.sub("{}", path)) for method, path in calls}
    assert {("POST", "/v1/rules/preview"), ("POST", "/v1/rules/impact")} <= called
    assert ("GET", "/v1/campaigns/{}/report") in called


def fetch(client, path: str):
    """GET ``path``, the file read whole and closed (a streamed file left open would warn)."""
    return client.get(path, buffered=True)


def _pattern(path: str) -> re.Pattern:
    """``/v1/rules/drafts/{rule_id}`` as a pattern matching one path segment per parameter."""
    return re.compile(re.sub(r"\\\{[^}]*\\\}", "[^/]+", re.escape(path)))


def _urls(text: str) -> str:
    """The attribute values of ``src``/``href`` and string literals starting with ``//``."""
    return " ".join(re.findall(r"""["'`](//[^"'`]*)""", text))
