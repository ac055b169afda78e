"""The OpenAPI document describes every route, and the docs page needs no internet."""

from __future__ import annotations

import re

from api.http.auth import SCHEME


def test_every_route_is_documented(app, client):
    spec = client.get("/openapi.json").get_json()
    documented = set(spec["paths"])
    served = {
        re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
        for rule in app.url_map.iter_rules()
        # Pages and their files are not API operations: the docs and the marketer's page.
        if rule.endpoint.split(".")[0] not in ("static", "docs_assets", "api-docs", "marketer")
    }
    assert served == documented


def test_security_scheme_and_error_shape_are_documented(client):
    spec = client.get("/openapi.json").get_json()
    assert spec["components"]["securitySchemes"][SCHEME] == {
        "type": "http", "scheme": "bearer", "description": spec["components"]["securitySchemes"][
            SCHEME]["description"],
    }  # fmt: skip
    error = spec["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "status", "message", "errors"}
    put = spec["paths"]["/v1/members/{member_id}"]["put"]
    assert put["security"] == [{SCHEME: []}]
    assert {"401", "403", "422", "default"} <= set(put["responses"])
    assert "security" not in spec["paths"]["/healthz"]["get"]


def test_docs_page_uses_only_local_assets(client):
    page = client.get("/docs").get_data(as_text=True)
    assert "http://" not in page and "https://" not in page
    for asset in re.findall(r'(?:src|href)="([^"]+)"', page):
        with client.get(asset) as response:
            assert response.status_code == 200, asset
