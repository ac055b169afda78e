"""``/healthz``, ``/readyz`` with its list of checks, and ``/metrics``."""

from __future__ import annotations

from api.http.health import add_readiness_check
from tests.api.http.conftest import assert_error


def test_healthz_and_readyz(app, client):
    assert client.get("/healthz").get_json() == {"status": "alive"}
    add_readiness_check(app, "model", lambda: None)  # a trained model: see test_selections
    assert client.get("/readyz").get_json() == {
        "status": "ready",
        "checks": {"database": "ok", "model": "ok"},
    }


def test_a_failing_check_makes_readyz_503_naming_it(app, client):
    def model_loaded():
        raise LookupError("no model yet")

    add_readiness_check(app, "model", model_loaded)
    body = assert_error(client.get("/readyz"), 503)
    assert body["errors"] == {"model": ["failed: LookupError"]}
    assert "model" in body["message"]


def test_metrics_count_requests_per_route(client, as_role):
    client.get("/healthz")
    client.get("/v1/members/M9", headers=as_role("admin"))
    client.get("/no/such/page")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'loyalty_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'route="/v1/members/{member_id}",status="404"' in text
    assert 'route="unmatched",status="404"' in text
    assert "loyalty_http_request_duration_seconds_bucket" in text


def test_metrics_name_the_model_and_rule_set_serving(client, as_role):
    text = client.get("/metrics").get_data(as_text=True)
    assert 'loyalty_model_version_info{version="none"} 1.0' in text
    assert "loyalty_ruleset_version 0.0" in text
    rule = {"name": "No cigars", "effect": "exclude", "products": {"tags": {"contains": "cigar"}}}
    marketer = as_role("marketer")
    client.post("/v1/rules/drafts", json=[rule], headers=marketer)
    client.post("/v1/rules/publish", json={"note": "first", "author": "t"}, headers=marketer)
    assert "loyalty_ruleset_version 1.0" in client.get("/metrics").get_data(as_text=True)
